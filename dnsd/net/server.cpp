// SPDX-License-Identifier: GPL-3.0-or-later
// Server start-up and signal handling. Signals are handled on the calling
// thread's own io_context, never inside a worker.
#include "dnsd/net/server.hpp"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "common/log.hpp"
#include "dnsd/net/socket_setup.hpp"

namespace phx::dns::net {

namespace asio = boost::asio;

Server::Server(const ServerOptions& options, std::shared_ptr<const ZoneSet> zones) {
    if (options.forward.enabled())
        resolver_ = std::make_unique<resolver::Resolver>(options.forward, options.limits.edns_udp_size);
    for (const auto& endpoint : options.listen) {
        ensure_port_free(endpoint, SocketKind::udp);
        ensure_port_free(endpoint, SocketKind::tcp);
    }
    for (unsigned i = 0; i < std::max(1u, options.workers); ++i) {
        auto worker = std::make_unique<Worker>(options.limits, tcp_connections_, zones, resolver_.get());
        for (const auto& endpoint : options.listen) {
            const bool v6 = endpoint.address.family == IpFamily::v6;
            worker->add_udp(open_listener(endpoint, SocketKind::udp), v6, endpoint.address.is_unspecified());
            worker->add_tcp(open_listener(endpoint, SocketKind::tcp), v6);
        }
        workers_.push_back(std::move(worker));
    }
}

Server::~Server() {
    if (resolver_) resolver_->stop();
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
}

void Server::set_zones(const std::shared_ptr<const ZoneSet>& zones) {
    for (auto& w : workers_) w->set_zones(zones);
}

void Server::run(const ReloadFunction& reload) {
    asio::io_context signals_context{1};
    asio::signal_set stop_signals{signals_context, SIGINT, SIGTERM};
    asio::signal_set reload_signal{signals_context, SIGHUP};
    std::function<void()> wait_for_reload = [&] {
        reload_signal.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            if (auto zones = reload ? reload() : nullptr) set_zones(zones);
            wait_for_reload();
        });
    };
    stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        log::info("signal {}: stopping", signal);
        reload_signal.cancel();
    });
    wait_for_reload();
    if (resolver_) resolver_->start();
    for (auto& w : workers_) w->start();
    signals_context.run();
    if (resolver_) resolver_->stop();
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
}

}  // namespace phx::dns::net

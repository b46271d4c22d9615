// SPDX-License-Identifier: GPL-3.0-or-later
// Server start-up, signals, reload and shutdown.
#include "dnsd/net/server.hpp"

#include "common/log.hpp"
#include "dnsd/net/metrics_http.hpp"
#include "dnsd/net/socket_setup.hpp"
#include "dnsd/net/system.hpp"
#include "dnsd/wire/name.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <fmt/format.h>

namespace phx::dns::net {

namespace asio = boost::asio;

Server::Server(const ServerOptions& options, std::shared_ptr<const xfr::TransferState> served)
    : options_{options}, zones_{served->zones}, served_{std::move(served)},
      tcp_slots_{options.limits.tcp_max_connections,
                 options.limits.tcp_max_connections_per_client} {
    if (options.forward.enabled())
        resolver_ = std::make_unique<resolver::Resolver>(options.forward,
                                                         options.limits.edns_udp_size, zones_);
    for (const auto& endpoint : options.listen) {
        ensure_port_free(endpoint, SocketKind::udp);
        ensure_port_free(endpoint, SocketKind::tcp);
    }
    for (unsigned i = 0; i < std::max(1u, options.workers); ++i) {
        auto worker = std::make_unique<Worker>(options.limits, tcp_slots_, zones_, resolver_.get());
        worker->set_served(served_);
        for (const auto& endpoint : options.listen) {
            const bool v6 = endpoint.address.family == IpFamily::v6;
            worker->add_udp(open_listener(endpoint, SocketKind::udp), v6,
                            endpoint.address.is_unspecified());
            worker->add_tcp(open_listener(endpoint, SocketKind::tcp), v6);
        }
        workers_.push_back(std::move(worker));
    }
    guards_ = std::make_unique<Guards>(
        options.guard,
        options.forward.allow.empty() ? ForwardConfig::default_allow() : options.forward.allow,
        control_);
    guards_->attach(workers_);
    if (options.metrics_listen) {
        const auto& e = *options.metrics_listen;
        metrics_acceptor_.emplace(
            control_, e.address.family == IpFamily::v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(),
            open_listener(e, SocketKind::tcp));
    }
}

Server::~Server() {
    if (resolver_) resolver_->stop();
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
}

namespace {

// The zones whose served serial is new: NOTIFY goes out for these.
std::vector<std::string> new_serials(const xfr::TransferState* before,
                                     const xfr::TransferState& after) {
    std::vector<std::string> origins;
    for (const auto& zone : after.zones->zones()) {
        const Zone* old = before ? before->zone(zone->origin()) : nullptr;
        if (!old || old->serial() != zone->serial()) origins.push_back(zone->origin());
    }
    return origins;
}

} // namespace

void Server::set_served(const std::shared_ptr<const xfr::TransferState>& served) {
    auto changed = new_serials(served_.get(), *served);
    zones_ = served->zones;
    served_ = served;
    if (resolver_) resolver_->set_zones(zones_);
    // NOTIFY only once every worker serves the new zones: a secondary asks
    // for the SOA within a millisecond, and an old answer would make it
    // think it is current until its refresh timer runs out.
    auto left = std::make_shared<std::atomic<std::size_t>>(workers_.size());
    for (auto& w : workers_)
        w->set_served(served, [this, left, served, changed] {
            if (left->fetch_sub(1) == 1)
                asio::post(control_,
                           [this, served, changed] { notifier_.notify(served, changed); });
        });
}

void Server::reload(const ReloadFunction& reload_function) {
    notify_reloading();
    auto served = reload_function ? reload_function() : nullptr;
    if (served) {
        set_served(served);
        ++reloads_ok_;
    } else {
        ++reloads_failed_;
    }
    notify_ready(served ? "serving (reloaded)" : "serving (reload failed: previous zones kept)");
}

std::string Server::metrics() const {
    std::vector<const QueryCounters*> counters;
    for (const auto& w : workers_) counters.push_back(&w->counters());
    if (resolver_) counters.push_back(&resolver_->counters());
    std::string serials;
    for (const auto& z : zones_->zones())
        serials += fmt::format("phx_dnsd_zone_serial{{zone=\"{}\"}} {}\n",
                               wire::name_to_text(wire::bytes_of(z->origin())), z->serial());
    std::vector<const xfr::TransferCounters*> transfers;
    for (const auto& w : workers_) transfers.push_back(&w->transfer_counters());
    return render_metrics(
               {counters, tcp_slots_.open(), tcp_slots_.refused_total_full(),
                tcp_slots_.refused_client_full(), reloads_ok_, reloads_failed_, serials,
                (resolver_ ? resolver_->metrics() : std::string{}) + guards_->metrics()}) +
           xfr::render_transfer_metrics(transfers, notifier_.counters(), notifier_.pending(),
                                        served_.get());
}

void Server::run(const ReloadFunction& reload_function) {
    drop_privileges(options_.user);
    asio::signal_set stop_signals{control_, SIGINT, SIGTERM};
    asio::signal_set reload_signal{control_, SIGHUP};
    std::function<void()> wait_for_reload = [&] {
        reload_signal.async_wait([&](boost::system::error_code ec, int) {
            if (ec) return;
            reload(reload_function);
            wait_for_reload();
        });
    };
    stop_signals.async_wait([&](boost::system::error_code ec, int signal) {
        if (ec) return;
        log::info("signal {}: stopping", signal);
        notify_stopping();
        notifier_.stop();
        reload_signal.cancel();
        guards_->stop();
        if (metrics_acceptor_) metrics_acceptor_->close();
    });
    wait_for_reload();
    if (metrics_acceptor_)
        asio::co_spawn(control_, serve_metrics(*metrics_acceptor_, [this] { return metrics(); }),
                       asio::detached);
    if (resolver_) resolver_->start();
    guards_->start();
    for (auto& w : workers_) w->start();
    notifier_.notify(served_,
                     new_serials(nullptr, *served_)); // secondaries may have missed a change
    notify_ready("serving");
    control_.run();
    if (resolver_) resolver_->stop();
    for (auto& w : workers_) w->stop();
    for (auto& w : workers_) w->join();
}

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// Worker lifecycle: adopt sockets, run, stop gracefully.
#include "dnsd/net/worker.hpp"

#include "dnsd/net/tcp_transport.hpp"
#include "dnsd/net/udp_transport.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

namespace phx::dns::net {

namespace asio = boost::asio;

Worker::Worker(const TransportLimits& limits, TcpSlots& tcp_slots,
               std::shared_ptr<const ZoneSet> zones, resolver::Resolver* resolver)
    : limits_{limits}, tcp_slots_{tcp_slots}, zones_{std::move(zones)}, resolver_{resolver},
      tcp_scratch_(2 + kMaxMessageSize) {}

Worker::~Worker() {
    stop();
    join();
}

void Worker::add_udp(int fd, bool ipv6, bool wants_pktinfo) {
    auto listener = std::make_unique<UdpListener>(UdpListener{
        asio::ip::udp::socket{context_, ipv6 ? asio::ip::udp::v6() : asio::ip::udp::v4(), fd},
        wants_pktinfo});
    udp_.push_back(std::move(listener));
}

void Worker::add_tcp(int fd, bool ipv6) {
    tcp_.push_back(std::make_unique<asio::ip::tcp::acceptor>(
        context_, ipv6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), fd));
}

void Worker::start() {
    for (auto& u : udp_)
        asio::co_spawn(context_, serve_udp(*this, u->socket, u->wants_pktinfo, udp_.size() == 1),
                       asio::detached);
    for (auto& t : tcp_) asio::co_spawn(context_, accept_tcp(*this, *t), asio::detached);
    thread_ = std::thread{[this] { context_.run(); }};
}

void Worker::shut_down_listeners() {
    stopping_ = true;
    boost::system::error_code ignored;
    for (auto& u : udp_) u->socket.close(ignored);
    for (auto& t : tcp_) t->close(ignored);
    // stop_session may close a session, which unregisters it: iterate a copy.
    const std::vector<TcpSession*> sessions(sessions_.begin(), sessions_.end());
    for (TcpSession* s : sessions) stop_session(*s);
}

void Worker::stop() {
    if (!thread_.joinable()) return;
    asio::post(context_, [this] { shut_down_listeners(); });
}

void Worker::join() {
    if (thread_.joinable()) thread_.join();
}

void Worker::set_served(std::shared_ptr<const xfr::TransferState> state,
                        std::function<void()> swapped) {
    // One handler for both: a query between two would find the new zones
    // beside the old transfer state, and a secondary that just saw the new
    // SOA would be told by IXFR that it is current.
    asio::post(context_, [this, s = std::move(state), done = std::move(swapped)]() mutable {
        zones_ = s->zones;
        transfer_ = std::move(s);
        reply_cache_.clear(); // its replies and result.zone belong to the old zones
        if (done) done();
    });
}

} // namespace phx::dns::net

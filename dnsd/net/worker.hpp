// SPDX-License-Identifier: GPL-3.0-or-later
// One worker: an io_context on its own thread with its own UDP sockets and
// TCP acceptors. Everything a worker touches per query is owned by that
// thread; the zone snapshot is replaced by posting to it, never shared
// mutably.
#pragma once

#include "dnsd/answer.hpp"
#include "dnsd/metrics.hpp"
#include "dnsd/net/tcp_slots.hpp"
#include "dnsd/reply_cache.hpp"
#include "dnsd/resolver/resolver.hpp"
#include "dnsd/xfr/metrics.hpp"
#include "dnsd/xfr/state.hpp"
#include "dnsd/zone/zone.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <unordered_set>
#include <vector>

namespace phx::dns::net {

struct TransportLimits {
    std::uint16_t edns_udp_size = 1232;
    std::size_t tcp_max_connections = 256;
    std::size_t tcp_max_connections_per_client = 16;
    std::chrono::seconds tcp_idle_timeout{10};
    std::chrono::microseconds udp_batch_window{0}; // see udp_pacer.hpp; 0: off
};

class TcpSession;
class QueryGuard;

class Worker {
public:
    // `resolver` may be null (no forwarding); it must outlive the worker's thread.
    Worker(const TransportLimits& limits, TcpSlots& tcp_slots, std::shared_ptr<const ZoneSet> zones,
           resolver::Resolver* resolver);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Adopt already bound sockets (see socket_setup.hpp). Call before start().
    void add_udp(int fd, bool ipv6, bool wants_pktinfo);
    void add_tcp(int fd, bool ipv6);

    void start(); // spawns the transports and the thread
    void stop();  // closes listeners, lets in-flight TCP answers finish; thread-safe
    void join();

    // Replaces what is served from any thread: the zone snapshot and what
    // transfers and signed queries are served from (keys, ACL, journals),
    // together; takes effect for the next query. `swapped` then runs on this
    // worker's thread.
    void set_served(std::shared_ptr<const xfr::TransferState> state,
                    std::function<void()> swapped = {});

    // Called on the worker's thread only.
    [[nodiscard]] const ZoneSet& zones() const noexcept { return *zones_; }
    [[nodiscard]] const TransportLimits& limits() const noexcept { return limits_; }
    [[nodiscard]] boost::asio::io_context& context() noexcept { return context_; }
    [[nodiscard]] std::span<std::uint8_t> tcp_scratch() noexcept { return tcp_scratch_; }
    [[nodiscard]] bool stopping() const noexcept { return stopping_; }
    [[nodiscard]] TcpSlots& tcp_slots() noexcept { return tcp_slots_; }
    [[nodiscard]] resolver::Resolver* resolver() const noexcept { return resolver_; }
    // UDP replies of the zones served now; emptied when they change.
    [[nodiscard]] ReplyCache& reply_cache() noexcept { return reply_cache_; }
    [[nodiscard]] const std::shared_ptr<const xfr::TransferState>& transfer() const noexcept {
        return transfer_;
    }
    // Written by this worker's thread only; read by the metrics endpoint.
    [[nodiscard]] QueryCounters& counters() noexcept { return counters_; }
    [[nodiscard]] xfr::TransferCounters& transfer_counters() noexcept { return transfer_counters_; }
    // Counts what answer() decided, for replies sent now and for drops.
    void count(Transport transport, const AnswerResult& result) noexcept {
        if (result.disposition == Disposition::drop)
            counters_.dropped(result.too_short ? DropReason::runt : DropReason::response);
        else
            counters_.replied(transport, result.qtype, result.rcode);
    }
    // Whether this client gets RA and may use the forwarder.
    [[nodiscard]] bool may_recurse(const IpAddress& client) const noexcept {
        return resolver_ != nullptr && resolver_->allows(client);
    }
    // NSID, cookies and rate limiting (query_guard.hpp); null: none. Set
    // before start(); the guard outlives the worker's thread.
    void set_guard(QueryGuard* guard) noexcept { guard_ = guard; }
    [[nodiscard]] QueryGuard* guard() const noexcept { return guard_; }
    void register_session(TcpSession* s) { sessions_.insert(s); }
    void unregister_session(TcpSession* s) { sessions_.erase(s); }

private:
    struct UdpListener {
        boost::asio::ip::udp::socket socket;
        bool wants_pktinfo;
    };

    void shut_down_listeners();

    TransportLimits limits_;
    TcpSlots& tcp_slots_; // shared by all workers
    boost::asio::io_context context_{1};
    std::shared_ptr<const ZoneSet> zones_;
    std::shared_ptr<const xfr::TransferState> transfer_;
    resolver::Resolver* resolver_;
    std::vector<std::unique_ptr<UdpListener>> udp_;
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> tcp_;
    std::unordered_set<TcpSession*> sessions_;
    std::vector<std::uint8_t> tcp_scratch_;
    QueryCounters counters_;
    xfr::TransferCounters transfer_counters_;
    QueryGuard* guard_ = nullptr;
    ReplyCache reply_cache_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace phx::dns::net

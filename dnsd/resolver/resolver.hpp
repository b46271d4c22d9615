// SPDX-License-Identifier: GPL-3.0-or-later
// The forwarding resolver: answers names outside our zones for allowed
// clients from its cache or from upstream resolvers. It runs on its own
// thread and io_context, so a slow upstream never delays authoritative
// answers; workers hand queries over with submit() and get the reply bytes
// back through the request's callback. Upstream replies are scrubbed
// (scrub.hpp) against the zones we serve before anyone sees them.
#pragma once

#include "dnsd/answer.hpp"
#include "dnsd/client_counts.hpp"
#include "dnsd/config.hpp"
#include "dnsd/metrics.hpp"
#include "dnsd/resolver/cache.hpp"
#include "dnsd/resolver/loop_guard.hpp"
#include "dnsd/resolver/upstreams.hpp"
#include "dnsd/zone/zone.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace phx::dns::resolver {

class Resolver {
public:
    struct Request {
        std::vector<std::uint8_t> query; // the client's message, already known well-formed
        IpAddress client;
        Transport transport = Transport::udp;
        // Called on the resolver's thread with the reply (empty: send nothing).
        std::function<void(std::vector<std::uint8_t>)> done;
    };

    // `zones`: the zones being served; nothing in them is taken from upstream.
    Resolver(const ForwardConfig& config, std::uint16_t our_udp_size,
             std::shared_ptr<const ZoneSet> zones);
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    void start();
    void stop();                  // thread-safe; requests still pending get no reply
    void submit(Request request); // thread-safe
    // After a reload; thread-safe. If the set of zones changed, the cache is
    // emptied: a cached chain may lead into a zone we now serve.
    void set_zones(std::shared_ptr<const ZoneSet> zones);

    // Whether `client` may use forwarding and the cache. Immutable: any thread.
    [[nodiscard]] bool allows(const IpAddress& client) const noexcept;

    // Counters, written by the resolver's thread only; any thread may read.
    [[nodiscard]] const QueryCounters& counters() const noexcept { return counters_; }
    // The resolver's own Prometheus lines (cache, upstreams, loops).
    [[nodiscard]] std::string metrics() const;

private:
    struct Waiter {
        Request request;
        ParsedQuery query;
    };
    // One upstream's reply, or why there is none.
    struct Attempt {
        std::optional<StoredMessage> message;
        UpstreamFailure failure = UpstreamFailure::unusable;
    };

    [[nodiscard]] std::string cache_metrics() const;
    [[nodiscard]] std::string forwarding_metrics() const;
    boost::asio::awaitable<void> handle(Request request);
    bool answer_from_cache(const Waiter& w, const std::string& key);
    bool admit(const Waiter& w, bool joins_pending);
    boost::asio::awaitable<std::shared_ptr<const StoredMessage>>
    ask_upstreams(const ParsedQuery& query, const std::string& key,
                  const std::vector<std::uint64_t>& marks);
    boost::asio::awaitable<Attempt> ask_one(std::size_t upstream, const ParsedQuery& query,
                                            const std::vector<std::uint64_t>& marks);
    void upstream_failed(std::size_t upstream, UpstreamFailure failure, const std::string& key);
    std::shared_ptr<const StoredMessage> accept(StoredMessage message, const ParsedQuery& query);
    void cache_answer(const std::string& key, const std::shared_ptr<const StoredMessage>& answer);
    void reply(const Waiter& w, const StoredMessage* message, Rcode rcode, std::uint32_t age,
               std::optional<std::uint32_t> fixed_ttl);
    bool is_loop(const Waiter& w, const std::vector<std::uint64_t>& marks);
    void finish_pending(const std::string& key, const std::shared_ptr<const StoredMessage>& answer);

    ForwardConfig config_;
    std::uint16_t our_udp_size_;
    boost::asio::io_context context_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    Upstreams upstreams_;
    std::shared_ptr<const ZoneSet> zones_; // ours: never taken from upstream
    Cache cache_;
    ClientCounts waiting_per_client_; // queries waiting upstream, per client
    LoopGuard loops_;
    std::mt19937_64 rng_;
    std::uint64_t mark_;                                           // this process's loop mark
    std::unordered_map<std::string, std::vector<Waiter>> pending_; // questions waiting upstream
    std::map<std::string, Clock::time_point> loop_logged_;         // log each loop once a minute
    QueryCounters counters_;
    Counter cache_hits_, cache_misses_, stale_served_, upstream_queries_, upstream_failures_,
        upstream_backoffs_, loops_detected_, cache_too_large_, scrubbed_records_, chains_cut_,
        limited_client_, limited_total_;
};

} // namespace phx::dns::resolver

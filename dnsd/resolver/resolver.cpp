// SPDX-License-Identifier: GPL-3.0-or-later
// Resolver flow for one query: loop check, cache, the limits on waiting
// queries, then the upstreams in order (UDP, TCP if truncated), the reply
// scrubbed, then stale data, then SERVFAIL. Identical questions in flight
// share one upstream query.
#include "dnsd/resolver/resolver.hpp"

#include "common/log.hpp"
#include "dnsd/resolver/exchange.hpp"
#include "dnsd/resolver/scrub.hpp"
#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

namespace phx::dns::resolver {

namespace asio = boost::asio;

namespace {

constexpr std::uint32_t kStaleTtl = 30; // RFC 8767 §4 recommends 30 seconds
constexpr std::chrono::seconds kStaleWindow{86400};

std::uint64_t random_seed() {
    std::random_device device;
    return std::uint64_t{device()} << 32 | device();
}

std::vector<Endpoint> endpoints_of(const ForwardConfig& config) {
    std::vector<Endpoint> endpoints;
    for (const auto& u : config.upstreams) endpoints.push_back(u.endpoint);
    return endpoints;
}

CacheLimits cache_limits(const ForwardConfig& config) {
    return {config.cache_entries, config.cache_bytes, config.cache_max_message_bytes, kStaleWindow};
}

bool same_origins(const ZoneSet& a, const ZoneSet& b) {
    if (a.zones().size() != b.zones().size()) return false;
    for (const auto& zone : a.zones()) {
        const Zone* same = b.find(zone->origin());
        if (!same || same->origin() != zone->origin()) return false;
    }
    return true;
}

} // namespace

Resolver::Resolver(const ForwardConfig& config, std::uint16_t our_udp_size,
                   std::shared_ptr<const ZoneSet> zones)
    : config_{config}, our_udp_size_{our_udp_size}, work_{context_.get_executor()},
      upstreams_{endpoints_of(config)}, zones_{std::move(zones)}, cache_{cache_limits(config)},
      waiting_per_client_{config.max_outstanding_per_client}, rng_{random_seed()}, mark_{rng_()} {
    if (config_.allow.empty()) config_.allow = ForwardConfig::default_allow();
}

Resolver::~Resolver() {
    stop();
}

void Resolver::start() {
    thread_ = std::thread{[this] { context_.run(); }};
}

void Resolver::stop() {
    work_.reset();
    context_.stop();
    if (thread_.joinable()) thread_.join();
}

bool Resolver::allows(const IpAddress& client) const noexcept {
    return std::any_of(config_.allow.begin(), config_.allow.end(),
                       [&](const Cidr& c) { return c.contains(client); });
}

void Resolver::submit(Request request) {
    asio::post(context_, [this, r = std::move(request)]() mutable {
        asio::co_spawn(context_, handle(std::move(r)), asio::detached);
    });
}

void Resolver::set_zones(std::shared_ptr<const ZoneSet> zones) {
    asio::post(context_, [this, z = std::move(zones)]() mutable {
        if (!same_origins(*zones_, *z)) cache_.clear();
        zones_ = std::move(z);
    });
}

void Resolver::reply(const Waiter& w, const StoredMessage* message, Rcode rcode, std::uint32_t age,
                     std::optional<std::uint32_t> fixed_ttl) {
    const StoredReplyShape shape{reply_size_limit(w.query, w.request.transport, our_udp_size_),
                                 our_udp_size_, true, age, fixed_ttl};
    std::vector<std::uint8_t> out(kMaxMessageSize);
    const std::size_t size = message ? write_stored_reply(*message, w.query, shape, out)
                                     : write_empty_reply(w.query, rcode, shape, out);
    out.resize(size);
    counters_.replied(w.request.transport, w.query.qtype, message ? message->rcode : rcode);
    w.request.done(std::move(out));
}

bool Resolver::is_loop(const Waiter& w, const std::vector<std::uint64_t>& marks) {
    const bool ours = std::find(marks.begin(), marks.end(), mark_) != marks.end();
    const auto loop = loops_.check(w.query, w.request.client, ours);
    if (!loop && marks.size() < kMaxLoopMarks) return false;
    loops_detected_.add();
    const std::string via = loop && loop->via ? loop->via->to_string() : "an upstream";
    const auto now = Clock::now();
    auto& last = loop_logged_[via];
    if (last == Clock::time_point{} || now - last > std::chrono::minutes{1}) {
        last = now;
        log::warning(
            "forwarding loop: the query for {} came back from {} after going out through {}; "
            "answering SERVFAIL instead of forwarding it again",
            w.query.qname_lower.to_text(), w.request.client.to_string(), via);
    }
    return true;
}

asio::awaitable<void> Resolver::handle(Request request) {
    Waiter w{std::move(request), {}};
    if (parse_query(w.request.query, w.query) != QueryVerdict::ok) co_return;
    const auto marks = loop_marks(w.request.query, w.query);
    if (is_loop(w, marks)) {
        reply(w, nullptr, Rcode::servfail, 0, std::nullopt);
        co_return;
    }
    const std::string key = cache_key(w.query);
    if (answer_from_cache(w, key)) co_return;
    const auto joined = pending_.find(key);
    if (!admit(w, joined != pending_.end())) co_return;
    if (joined != pending_.end()) {
        joined->second.push_back(std::move(w));
        co_return;
    }
    const ParsedQuery query = w.query;
    pending_[key].push_back(std::move(w));
    auto answer = co_await ask_upstreams(query, key, marks);
    if (answer) cache_answer(key, answer);
    finish_pending(key, answer);
}

bool Resolver::answer_from_cache(const Waiter& w, const std::string& key) {
    if (auto hit = cache_.find(key, Clock::now(), false)) {
        cache_hits_.add();
        reply(w, hit->message.get(), Rcode::noerror, hit->age, std::nullopt);
        return true;
    }
    cache_misses_.add();
    return false;
}

// Whether `w` may wait for an upstream; if not, it has been answered.
bool Resolver::admit(const Waiter& w, bool joins_pending) {
    if ((w.query.flags & flag::rd) == 0) { // no recursion asked for: the cache or nothing
        reply(w, nullptr, Rcode::refused, 0, std::nullopt);
        return false;
    }
    if (!joins_pending && pending_.size() >= config_.max_outstanding) {
        limited_total_.add();
        reply(w, nullptr, Rcode::servfail, 0, std::nullopt);
        return false;
    }
    // REFUSED, not SERVFAIL: this is our policy, not a failure to resolve.
    if (!waiting_per_client_.try_add(w.request.client)) {
        limited_client_.add();
        reply(w, nullptr, Rcode::refused, 0, std::nullopt);
        return false;
    }
    return true;
}

void Resolver::cache_answer(const std::string& key,
                            const std::shared_ptr<const StoredMessage>& answer) {
    const auto ttl = answer->cache_ttl(config_.max_ttl, config_.max_negative_ttl);
    if (!ttl) return;
    if (cache_.store(key, answer, *ttl, Clock::now()) == Cache::Stored::too_large)
        cache_too_large_.add();
}

void Resolver::finish_pending(const std::string& key,
                              const std::shared_ptr<const StoredMessage>& answer) {
    auto node = pending_.extract(key);
    if (node.empty()) return;
    std::optional<Cache::Hit> stale;
    if (!answer && config_.serve_stale) stale = cache_.find(key, Clock::now(), true);
    for (const Waiter& w : node.mapped()) {
        waiting_per_client_.remove(w.request.client);
        if (answer)
            reply(w, answer.get(), Rcode::noerror, 0, std::nullopt);
        else if (stale) {
            stale_served_.add();
            reply(w, stale->message.get(), Rcode::noerror, 0, kStaleTtl);
        } else
            reply(w, nullptr, Rcode::servfail, 0, std::nullopt);
    }
}

asio::awaitable<std::shared_ptr<const StoredMessage>>
Resolver::ask_upstreams(const ParsedQuery& query, const std::string& key,
                        const std::vector<std::uint64_t>& marks) {
    for (const std::size_t i : upstreams_.order(Clock::now())) {
        auto attempt = co_await ask_one(i, query, marks);
        if (!attempt.message) {
            upstream_failed(i, attempt.failure, key);
            continue;
        }
        upstreams_.succeeded(i);
        // SERVFAIL, REFUSED, NOTIMP, FORMERR: this upstream cannot help with
        // this question, but it is alive; another one may know.
        const Rcode rcode = attempt.message->rcode;
        if (rcode != Rcode::noerror && rcode != Rcode::nxdomain) continue;
        co_return accept(std::move(*attempt.message), query);
    }
    co_return nullptr;
}

void Resolver::upstream_failed(std::size_t i, UpstreamFailure failure, const std::string& key) {
    upstream_failures_.add();
    const auto backoff = upstreams_.failed(i, failure, key, Clock::now());
    if (backoff.count() == 0) return;
    upstream_backoffs_.add();
    log::warning("upstream {} did not answer usably; skipping it for {}s",
                 upstreams_.endpoint(i).to_string(), backoff.count());
}

// The reply as clients get it and the cache keeps it: scrubbed, compact.
std::shared_ptr<const StoredMessage> Resolver::accept(StoredMessage message,
                                                      const ParsedQuery& query) {
    const auto report = scrub(message, query, *zones_, {config_.max_ttl, config_.max_negative_ttl});
    scrubbed_records_.add(report.dropped);
    if (report.cut) chains_cut_.add();
    message.shrink_to_fit();
    return std::make_shared<const StoredMessage>(std::move(message));
}

asio::awaitable<Resolver::Attempt> Resolver::ask_one(std::size_t i, const ParsedQuery& query,
                                                     const std::vector<std::uint64_t>& marks) {
    std::vector<std::uint64_t> with_ours = marks;
    with_ours.push_back(mark_);
    const UpstreamQuery upstream_query = make_upstream_query(query, with_ours, our_udp_size_, rng_);
    const Endpoint upstream = upstreams_.endpoint(i);
    loops_.sent(upstream_query, query, upstream);
    upstream_queries_.add();
    auto reply = co_await exchange_udp(upstream, upstream_query, query, config_.timeout);
    if (!reply.failure && is_truncated(reply.bytes))
        reply = co_await exchange_tcp(upstream, upstream_query, query, config_.timeout);
    loops_.finished(upstream_query, query, upstream);
    if (reply.failure) co_return Attempt{std::nullopt, *reply.failure};
    auto message = parse_reply(reply.bytes);
    if (!message) co_return Attempt{std::nullopt, UpstreamFailure::unusable};
    co_return Attempt{std::move(message), UpstreamFailure::unusable};
}

} // namespace phx::dns::resolver

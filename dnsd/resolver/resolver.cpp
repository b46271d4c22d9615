// SPDX-License-Identifier: GPL-3.0-or-later
// Resolver flow for one query: loop check, cache, then the upstreams in
// order (UDP, TCP if truncated), then stale data, then SERVFAIL. Identical
// questions in flight share one upstream query.
#include "dnsd/resolver/resolver.hpp"

#include "common/log.hpp"
#include "dnsd/resolver/exchange.hpp"
#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

namespace phx::dns::resolver {

namespace asio = boost::asio;

namespace {

constexpr std::uint32_t kStaleTtl = 30; // RFC 8767 §4 recommends 30 seconds
constexpr std::chrono::seconds kStaleWindow{86400};

std::uint64_t random_seed() {
    std::random_device device;
    return std::uint64_t{device()} << 32 | device();
}

} // namespace

Resolver::Resolver(const ForwardConfig& config, std::uint16_t our_udp_size)
    : config_{config}, our_udp_size_{our_udp_size}, work_{context_.get_executor()}, upstreams_{[&] {
          std::vector<Endpoint> endpoints;
          for (const auto& u : config.upstreams) endpoints.push_back(u.endpoint);
          return endpoints;
      }()},
      cache_{
          {config.cache_entries, config.cache_bytes, config.cache_max_message_bytes, kStaleWindow}},
      rng_{random_seed()}, mark_{rng_()} {
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

std::string Resolver::metrics() const {
    return fmt::format("# HELP phx_dnsd_cache_lookups_total Forwarding cache lookups, by result.\n"
                       "# TYPE phx_dnsd_cache_lookups_total counter\n"
                       "phx_dnsd_cache_lookups_total{{result=\"hit\"}} {}\n"
                       "phx_dnsd_cache_lookups_total{{result=\"miss\"}} {}\n"
                       "phx_dnsd_cache_lookups_total{{result=\"stale\"}} {}\n"
                       "# HELP phx_dnsd_upstream_queries_total Queries sent to upstream resolvers, "
                       "and those that failed.\n"
                       "# TYPE phx_dnsd_upstream_queries_total counter\n"
                       "phx_dnsd_upstream_queries_total {}\n"
                       "phx_dnsd_upstream_failures_total {}\n"
                       "# HELP phx_dnsd_upstream_backoffs_total Times an upstream was set aside "
                       "after failing.\n"
                       "# TYPE phx_dnsd_upstream_backoffs_total counter\n"
                       "phx_dnsd_upstream_backoffs_total {}\n"
                       "# HELP phx_dnsd_forwarding_loops_total Queries that came back to us "
                       "through a forwarding loop.\n"
                       "# TYPE phx_dnsd_forwarding_loops_total counter\n"
                       "phx_dnsd_forwarding_loops_total {}\n",
                       cache_hits_.get(), cache_misses_.get(), stale_served_.get(),
                       upstream_queries_.get(), upstream_failures_.get(), upstream_backoffs_.get(),
                       loops_detected_.get());
}

void Resolver::submit(Request request) {
    asio::post(context_, [this, r = std::move(request)]() mutable {
        asio::co_spawn(context_, handle(std::move(r)), asio::detached);
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
    if (auto hit = cache_.find(key, Clock::now(), false)) {
        cache_hits_.add();
        reply(w, hit->message.get(), Rcode::noerror, hit->age, std::nullopt);
        co_return;
    }
    cache_misses_.add();
    if ((w.query.flags & flag::rd) == 0) { // no recursion asked for: the cache or nothing
        reply(w, nullptr, Rcode::refused, 0, std::nullopt);
        co_return;
    }
    if (auto it = pending_.find(key); it != pending_.end()) {
        it->second.push_back(std::move(w));
        co_return;
    }
    if (pending_.size() >= config_.max_outstanding) {
        reply(w, nullptr, Rcode::servfail, 0, std::nullopt);
        co_return;
    }
    const ParsedQuery query = w.query;
    pending_[key].push_back(std::move(w));
    auto answer = co_await ask_upstreams(query, key, marks);
    if (answer) {
        if (auto ttl = answer->cache_ttl(config_.max_ttl, config_.max_negative_ttl))
            cache_.store(key, answer, *ttl, Clock::now());
    }
    finish_pending(key, answer);
}

void Resolver::finish_pending(const std::string& key,
                              const std::shared_ptr<const StoredMessage>& answer) {
    auto node = pending_.extract(key);
    if (node.empty()) return;
    std::optional<Cache::Hit> stale;
    if (!answer && config_.serve_stale) stale = cache_.find(key, Clock::now(), true);
    for (const Waiter& w : node.mapped()) {
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
        co_return std::make_shared<const StoredMessage>(std::move(*attempt.message));
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

// SPDX-License-Identifier: GPL-3.0-or-later
// What a worker adds around answer() for NSID, DNS cookies and response
// rate limiting: the options each query is answered with, and, for UDP,
// whether the reply may go out (or goes out truncated, the RRL slip).
// One per worker, used by that worker's thread only; the rate limiter
// behind it is shared by all workers.
#pragma once

#include "common/net.hpp"
#include "dnsd/answer.hpp"
#include "dnsd/guard_metrics.hpp"
#include "dnsd/rrl/classify.hpp"
#include "dnsd/rrl/rate_limiter.hpp"

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

namespace phx::dns::net {

// Read-only once the server runs; shared by every worker's guard.
struct GuardSettings {
    std::vector<std::uint8_t> nsid; // empty: none
    bool cookies = true;
    std::vector<Cidr> exempt;            // never rate-limited: who may recurse
    rrl::RateLimiter* limiter = nullptr; // null: no rate limiting
    rrl::Prefixes prefixes;
    SipHasher::Key bucket_key{}; // random: keys the bucket hash
};

class QueryGuard {
public:
    explicit QueryGuard(const GuardSettings& settings);

    // Reads the clocks; once per UDP batch or TCP query, not per reply.
    void tick() noexcept;

    // Fills in NSID and the cookie context for a query from `client`.
    void prepare(AnswerOptions& options, const IpAddress& client) noexcept;

    // After answer() over UDP, for a reply about to be sent: counts its
    // cookie and applies the rate limit. False: drop it. `size` may shrink
    // (the slip). Valid cookies and exempt clients are never limited.
    [[nodiscard]] bool admit_udp(const IpAddress& client, const AnswerResult& result,
                                 std::span<std::uint8_t> reply, std::size_t& size) noexcept;
    // TCP is never limited: only the cookie is counted.
    void count_tcp(const AnswerResult& result) noexcept {
        counters_.cookie(result.cookie, result.cookie_issued);
    }

    // New secrets (at start, and after each rotation); allocates.
    void set_cookie_secrets(std::span<const CookieSecret> secrets);

    [[nodiscard]] const GuardCounters& counters() const noexcept { return counters_; }

private:
    [[nodiscard]] bool exempt(const IpAddress& client) const noexcept;
    // The rate limit alone: true to send the reply (maybe truncated).
    [[nodiscard]] bool rate_limit(const IpAddress& client, const AnswerResult& result,
                                  std::span<std::uint8_t> reply, std::size_t& size) noexcept;

    const GuardSettings& settings_;
    CookieSigner signer_;
    CookieContext cookie_context_;
    SipHasher bucket_hasher_;
    GuardCounters counters_;
    std::uint32_t now_ms_ = 0;
};

} // namespace phx::dns::net

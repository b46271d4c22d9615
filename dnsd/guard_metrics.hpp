// SPDX-License-Identifier: GPL-3.0-or-later
// Counters for DNS cookies and response rate limiting, one set per worker
// with that worker as the only writer (as QueryCounters), summed when the
// metrics endpoint is scraped.
#pragma once

#include "dnsd/cookies/server_cookie.hpp"
#include "dnsd/metrics.hpp"

#include <array>
#include <span>
#include <string>

namespace phx::dns {

class GuardCounters {
public:
    // One reply's cookie: how the client's was judged, and whether a
    // server cookie was made for the reply (rather than echoed back).
    void cookie(CookieVerdict verdict, bool issued) noexcept {
        if (verdict != CookieVerdict::none) cookies_[static_cast<std::size_t>(verdict)].add();
        if (issued) cookies_issued_.add();
    }
    void rrl_dropped() noexcept { rrl_dropped_.add(); }
    void rrl_slipped() noexcept { rrl_slipped_.add(); }
    void rrl_evicted() noexcept { rrl_evicted_.add(); }

    [[nodiscard]] std::uint64_t cookies(CookieVerdict verdict) const noexcept {
        return cookies_[static_cast<std::size_t>(verdict)].get();
    }
    [[nodiscard]] std::uint64_t issued() const noexcept { return cookies_issued_.get(); }
    [[nodiscard]] std::uint64_t dropped() const noexcept { return rrl_dropped_.get(); }
    [[nodiscard]] std::uint64_t slipped() const noexcept { return rrl_slipped_.get(); }
    [[nodiscard]] std::uint64_t evicted() const noexcept { return rrl_evicted_.get(); }

private:
    std::array<Counter, 5> cookies_; // by CookieVerdict
    Counter cookies_issued_;
    Counter rrl_dropped_;
    Counter rrl_slipped_;
    Counter rrl_evicted_;
};

// phx_dnsd_cookies_total{result}, phx_dnsd_cookies_issued_total,
// phx_dnsd_rrl_dropped_total,
// phx_dnsd_rrl_slipped_total, phx_dnsd_rrl_evictions_total.
[[nodiscard]] std::string render_guard_metrics(std::span<const GuardCounters* const> counters);

} // namespace phx::dns

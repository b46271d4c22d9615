// SPDX-License-Identifier: GPL-3.0-or-later
// Rendering the cookie and rate-limiting counters (see guard_metrics.hpp).
#include "dnsd/guard_metrics.hpp"

#include <fmt/format.h>

namespace phx::dns {

std::string render_guard_metrics(std::span<const GuardCounters* const> counters) {
    struct Result {
        CookieVerdict verdict;
        const char* label;
    };
    // "new": a client cookie alone got its first server cookie; "invalid":
    // a server cookie we did not make, or an expired one, got a new one.
    constexpr std::array<Result, 4> results{{{CookieVerdict::client_only, "new"},
                                             {CookieVerdict::valid, "valid"},
                                             {CookieVerdict::invalid, "invalid"},
                                             {CookieVerdict::malformed, "malformed"}}};
    std::string out = "# HELP phx_dnsd_cookies_total Queries with a DNS COOKIE option, by what "
                      "their server cookie was.\n"
                      "# TYPE phx_dnsd_cookies_total counter\n";
    for (const auto& r : results) {
        std::uint64_t n = 0;
        for (const auto* c : counters) n += c->cookies(r.verdict);
        out += fmt::format("phx_dnsd_cookies_total{{result=\"{}\"}} {}\n", r.label, n);
    }
    std::uint64_t issued = 0, dropped = 0, slipped = 0, evicted = 0;
    for (const auto* c : counters) {
        issued += c->issued();
        dropped += c->dropped();
        slipped += c->slipped();
        evicted += c->evicted();
    }
    // Issued against valid tells how often clients come back with a cookie
    // they already had: a client that never does gets a new one each time.
    out += fmt::format(
        "# HELP phx_dnsd_cookies_issued_total Server cookies made for a reply: for a new client, "
        "to replace an invalid or expired cookie, or to renew one half an hour old.\n"
        "# TYPE phx_dnsd_cookies_issued_total counter\n"
        "phx_dnsd_cookies_issued_total {}\n"
        "# HELP phx_dnsd_rrl_dropped_total UDP replies not sent: over the response rate limit.\n"
        "# TYPE phx_dnsd_rrl_dropped_total counter\n"
        "phx_dnsd_rrl_dropped_total {}\n"
        "# HELP phx_dnsd_rrl_slipped_total UDP replies over the response rate limit sent "
        "truncated (TC=1) instead, so a real client retries over TCP.\n"
        "# TYPE phx_dnsd_rrl_slipped_total counter\n"
        "phx_dnsd_rrl_slipped_total {}\n"
        "# HELP phx_dnsd_rrl_evictions_total Rate-limit buckets that took the slot of another "
        "(a table too small for the traffic lets evicted sources start afresh).\n"
        "# TYPE phx_dnsd_rrl_evictions_total counter\n"
        "phx_dnsd_rrl_evictions_total {}\n",
        issued, dropped, slipped, evicted);
    return out;
}

} // namespace phx::dns

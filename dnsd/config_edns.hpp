// SPDX-License-Identifier: GPL-3.0-or-later
// Configuration of NSID (RFC 5001), DNS cookies (RFC 7873, 9018) and
// response rate limiting: [server] nsid, [cookies], [rate_limit], and the
// command-line options that mirror them. Read by config.cpp and main.cpp.
#pragma once

#include "common/diag.hpp"
#include "dnsd/cookies/server_cookie.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::config {
class Section;
}

namespace phx::dns {

struct CookieConfig {
    bool enabled = true;
    // Configured secrets, shared by every server of an anycast set (RFC 9018
    // §3.2): the first makes cookies, all are accepted, so a new secret can
    // be rolled in everywhere before it is used. Empty: a random secret,
    // replaced every `rotation` with the previous one still accepted.
    std::vector<CookieSecret> secrets;
    std::chrono::seconds rotation{3600};

    friend bool operator==(const CookieConfig&, const CookieConfig&) = default;
};

// Response rate limiting for clients outside the [forward] allow list (who
// may recurse is never limited); see dnsd/rrl/rate_limiter.hpp.
struct RateLimitConfig {
    std::uint32_t responses_per_second = 20; // per bucket; 0: off
    std::uint32_t slip = 2;                  // every 2nd limited reply is truncated
    std::uint32_t window_seconds = 15;       // how long a flood's debt keeps it limited
    unsigned ipv4_prefix = 24;               // a client's network
    unsigned ipv6_prefix = 56;
    std::size_t table_size = 65536; // buckets, shared by the workers

    [[nodiscard]] bool enabled() const noexcept { return responses_per_second > 0; }
    friend bool operator==(const RateLimitConfig&, const RateLimitConfig&) = default;
};

// The largest rate * window: the bucket balance is a 32-bit count of
// thousandths of a response.
inline constexpr std::uint64_t kMaxRateTimesWindow = 2000000;

// "text" or "hex:6e7331": the NSID bytes; an error if the hex is bad or the
// result longer than kMaxNsidSize. Empty text is no NSID.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> parse_nsid(std::string_view text,
                                                                  std::string& error);
// 32 hexadecimal digits.
[[nodiscard]] std::optional<CookieSecret> parse_cookie_secret(std::string_view text);

// [server] nsid; [cookies] and [rate_limit] at the top level of `top`.
void read_nsid(const config::Section& server, std::vector<std::uint8_t>& nsid);
void read_cookies_and_rate_limit(const config::Section& top, CookieConfig& cookies,
                                 RateLimitConfig& rate_limit);

// The command-line options that mirror [server] nsid and [rate_limit]
// keys; each replaces the file's value.
struct EdnsCommandLine {
    std::optional<std::string> nsid;                // --nsid TEXT
    std::optional<std::uint32_t> rate_limit;        // --rate-limit N (responses/s, 0: off)
    std::optional<std::uint32_t> rate_limit_slip;   // --rate-limit-slip N
    std::optional<std::uint32_t> rate_limit_window; // --rate-limit-window SECONDS
};
void apply_edns_command_line(const EdnsCommandLine& cl, std::vector<std::uint8_t>& nsid,
                             RateLimitConfig& rate_limit, Diagnostics& diag);

// What a configuration says about all of it, for --check.
[[nodiscard]] std::string describe_edns_extras(const std::vector<std::uint8_t>& nsid,
                                               const CookieConfig& cookies,
                                               const RateLimitConfig& rate_limit);

} // namespace phx::dns

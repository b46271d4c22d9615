// SPDX-License-Identifier: GPL-3.0-or-later
// Reading [server] nsid, [cookies] and [rate_limit] (see config_edns.hpp).
#include "dnsd/config_edns.hpp"

#include "common/config/section.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <string>

namespace phx::dns {

using config::Section;

namespace {

int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = hex_digit(text[i]);
        const int lo = hex_digit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
    }
    return out;
}

void read_secrets(const Section& s, CookieConfig& cookies) {
    auto secrets = s.strings("secret");
    if (!secrets) return;
    if (secrets->size() > CookieSigner::kMaxSecrets)
        s.diag().error((*secrets)[CookieSigner::kMaxSecrets].at,
                       fmt::format("at most {} secrets in [cookies]: the first makes cookies, the "
                                   "others are still accepted",
                                   CookieSigner::kMaxSecrets));
    for (const auto& item : *secrets) {
        if (auto secret = parse_cookie_secret(item.value))
            cookies.secrets.push_back(*secret);
        else
            s.diag().error(item.at, "a cookie secret is 32 hexadecimal digits (16 bytes), e.g. "
                                    "from: openssl rand -hex 16");
    }
}

void read_rate_limit(const Section& s, RateLimitConfig& r) {
    s.allow_only({"responses_per_second", "slip", "window_seconds", "ipv4_prefix", "ipv6_prefix",
                  "table_size"});
    if (auto n = s.integer("responses_per_second", 0, 10000))
        r.responses_per_second = static_cast<std::uint32_t>(*n);
    if (auto n = s.integer("slip", 0, 100)) r.slip = static_cast<std::uint32_t>(*n);
    if (auto n = s.integer("window_seconds", 0, 3600))
        r.window_seconds = static_cast<std::uint32_t>(*n);
    if (auto n = s.integer("ipv4_prefix", 8, 32)) r.ipv4_prefix = static_cast<unsigned>(*n);
    if (auto n = s.integer("ipv6_prefix", 16, 128)) r.ipv6_prefix = static_cast<unsigned>(*n);
    if (auto n = s.integer("table_size", 1024, 1 << 24))
        r.table_size = static_cast<std::size_t>(*n);
    if (std::uint64_t{r.responses_per_second} * r.window_seconds > kMaxRateTimesWindow)
        s.diag().error(s.pos_of("window_seconds"),
                       fmt::format("responses_per_second * window_seconds must be at most {}",
                                   kMaxRateTimesWindow));
}

} // namespace

std::optional<std::vector<std::uint8_t>> parse_nsid(std::string_view text, std::string& error) {
    std::vector<std::uint8_t> bytes;
    if (text.starts_with("hex:")) {
        auto hex = parse_hex(text.substr(4));
        if (!hex) {
            error = fmt::format("'{}' is not hex:<an even number of hexadecimal digits>", text);
            return std::nullopt;
        }
        bytes = std::move(*hex);
    } else {
        bytes.assign(text.begin(), text.end());
    }
    if (bytes.size() > kMaxNsidSize) {
        error = fmt::format("the NSID is {} bytes; at most {} fit in every reply", bytes.size(),
                            kMaxNsidSize);
        return std::nullopt;
    }
    return bytes;
}

std::optional<CookieSecret> parse_cookie_secret(std::string_view text) {
    auto bytes = parse_hex(text);
    if (!bytes || bytes->size() != CookieSecret{}.size()) return std::nullopt;
    CookieSecret secret{};
    std::copy(bytes->begin(), bytes->end(), secret.begin());
    return secret;
}

void read_nsid(const Section& server, std::vector<std::uint8_t>& nsid) {
    auto text = server.string("nsid");
    if (!text) return;
    std::string error;
    if (auto bytes = parse_nsid(text->value, error))
        nsid = std::move(*bytes);
    else
        server.diag().error(text->at, error);
}

void read_cookies_and_rate_limit(const Section& top, CookieConfig& cookies,
                                 RateLimitConfig& rate_limit) {
    if (const config::Node* node = top.table("cookies")) {
        const Section s{top.doc(), *node, "[cookies]", top.file(), top.diag()};
        s.allow_only({"enabled", "secret", "rotate_seconds"});
        if (auto b = s.boolean("enabled")) cookies.enabled = *b;
        read_secrets(s, cookies);
        if (auto t = s.integer("rotate_seconds", 60, 86400))
            cookies.rotation = std::chrono::seconds{*t};
    }
    if (const config::Node* node = top.table("rate_limit"))
        read_rate_limit({top.doc(), *node, "[rate_limit]", top.file(), top.diag()}, rate_limit);
}

void apply_edns_command_line(const EdnsCommandLine& cl, std::vector<std::uint8_t>& nsid,
                             RateLimitConfig& rate_limit, Diagnostics& diag) {
    if (cl.nsid) {
        std::string error;
        if (auto bytes = parse_nsid(*cl.nsid, error))
            nsid = std::move(*bytes);
        else
            diag.error({"--nsid"}, error);
    }
    if (cl.rate_limit) rate_limit.responses_per_second = *cl.rate_limit;
    if (cl.rate_limit_slip) rate_limit.slip = *cl.rate_limit_slip;
    if (cl.rate_limit_window) rate_limit.window_seconds = *cl.rate_limit_window;
    if (std::uint64_t{rate_limit.responses_per_second} * rate_limit.window_seconds >
        kMaxRateTimesWindow)
        diag.error({"--rate-limit"},
                   fmt::format("responses per second * window seconds must be at most {}",
                               kMaxRateTimesWindow));
}

std::string describe_edns_extras(const std::vector<std::uint8_t>& nsid, const CookieConfig& cookies,
                                 const RateLimitConfig& r) {
    std::string out = nsid.empty() ? "no NSID" : fmt::format("NSID of {} bytes", nsid.size());
    if (!cookies.enabled)
        out += "; cookies off";
    else if (cookies.secrets.empty())
        out += fmt::format("; cookies with a random secret replaced every {}s",
                           cookies.rotation.count());
    else
        out += fmt::format("; cookies with {} configured secret(s)", cookies.secrets.size());
    if (!r.enabled())
        out += "; no response rate limit";
    else
        out += fmt::format("; {} responses/s per /{} (IPv6 /{}) outside the allow list, slip {}, "
                           "window {}s, {} buckets",
                           r.responses_per_second, r.ipv4_prefix, r.ipv6_prefix, r.slip,
                           r.window_seconds, r.table_size);
    return out;
}

} // namespace phx::dns

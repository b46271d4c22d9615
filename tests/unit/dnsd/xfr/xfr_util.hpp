// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for the transfer tests: zones from text, a transfer state with
// an allow list, IXFR queries, and every message of a reply collected.
#pragma once

#include "dnsd/xfr/outgoing.hpp"
#include "dnsd/zone/loader.hpp"
#include "unit/dnsd/message_util.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <memory>
#include <string>
#include <vector>

namespace phx::test {

inline std::shared_ptr<const dns::Zone> zone_from_text(const std::string& text,
                                                       const std::string& origin) {
    Diagnostics d;
    auto zone = dns::load_zone_text(text, origin, origin + ".zone", d);
    INFO(d.to_string());
    REQUIRE(zone);
    return zone;
}

inline std::shared_ptr<const dns::ZoneSet> set_of(std::shared_ptr<const dns::Zone> zone) {
    return std::make_shared<const dns::ZoneSet>(std::vector{std::move(zone)});
}

inline dns::TransferConfig allow_config(std::string_view rule,
                                        std::vector<dns::tsig::Key> keys = {}) {
    dns::TransferConfig c;
    for (auto& k : keys) c.keys.push_back({std::move(k), {}});
    c.allow.push_back(*dns::parse_allow_transfer(rule));
    return c;
}

inline std::vector<std::uint8_t> ixfr_query(std::string_view zone, std::uint32_t serial) {
    auto q = make_query(zone, 251);
    q[9] = 1; // NSCOUNT
    const std::uint8_t soa[] = {0xc0,
                                0x0c,
                                0,
                                6,
                                0,
                                1,
                                0,
                                0,
                                0,
                                0,
                                0,
                                22,
                                0,
                                0,
                                static_cast<std::uint8_t>(serial >> 24),
                                static_cast<std::uint8_t>(serial >> 16),
                                static_cast<std::uint8_t>(serial >> 8),
                                static_cast<std::uint8_t>(serial)};
    q.insert(q.end(), std::begin(soa), std::end(soa));
    q.insert(q.end(), 16, 0);
    return q;
}

struct Collected {
    std::vector<std::vector<std::uint8_t>> messages;
    std::vector<Reply> replies;
    dns::xfr::Summary summary;
    std::vector<Rr> answers; // every answer record of every message, in order
};

inline Collected collect(std::span<const std::uint8_t> query,
                         std::shared_ptr<const dns::xfr::TransferState> state,
                         dns::Transport transport = dns::Transport::tcp,
                         std::string_view client = "127.0.0.1", std::uint64_t now = 1700000000) {
    auto out =
        dns::xfr::respond(query, std::move(state), *IpAddress::parse(client), transport, 1232, now);
    Collected c;
    std::vector<std::uint8_t> buffer(transport == dns::Transport::tcp ? 65535 : 1232);
    for (int i = 0; i < 10000; ++i) {
        const std::size_t size = out->next(buffer);
        if (size == 0) break;
        c.messages.emplace_back(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(size));
        c.replies.push_back(decode(c.messages.back()));
        REQUIRE(c.replies.back().parsed);
        for (const auto& rr : c.replies.back().answer) c.answers.push_back(rr);
    }
    c.summary = out->summary();
    return c;
}

inline std::string rr_text(const Rr& rr) {
    return fmt::format("{} {} {} {}", rr.owner, rr.type, rr.ttl, rr.data);
}

} // namespace phx::test

// SPDX-License-Identifier: GPL-3.0-or-later
// An upstream's reply held in decompressed form, so it can be cached and
// written back to any client: with that client's ID, question and EDNS
// state, with TTLs that count down, and truncated whole RRsets at a time.
#pragma once

#include "dnsd/query.hpp"
#include "dnsd/wire/types.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phx::dns::resolver {

struct StoredRr {
    std::string owner; // uncompressed wire form, case as received
    RrType type{};
    std::uint16_t rclass = 0;
    std::uint32_t ttl = 0;
    std::string rdata; // uncompressed
};

struct StoredMessage {
    Rcode rcode = Rcode::noerror;
    bool authenticated_data = false; // AD from the upstream
    std::vector<StoredRr> answer;
    std::vector<StoredRr> authority;
    std::vector<StoredRr> additional; // without OPT

    // The TTL the cache may keep this reply for (RFC 2308 for negative
    // answers: min(SOA TTL, SOA MINIMUM)); nullopt if it must not be cached.
    [[nodiscard]] std::optional<std::uint32_t> cache_ttl(std::uint32_t max_positive,
                                                         std::uint32_t max_negative) const;

    // The bytes this message holds, itself included as make_shared allocates
    // it: records, names, rdata and allocator overhead (see memory.hpp).
    [[nodiscard]] std::size_t memory_size() const noexcept;
    // Gives back the spare capacity parsing and scrubbing left behind.
    void shrink_to_fit();
};

// Parses an upstream reply. Every section must parse to the end; nullopt if
// anything is malformed.
std::optional<StoredMessage> parse_reply(std::span<const std::uint8_t> message);

struct StoredReplyShape {
    std::size_t max_size = kMinUdpSize; // the client's transport limit
    std::uint16_t our_udp_size = 1232;  // advertised in our OPT
    bool recursion_available = true;
    std::uint32_t age = 0;                  // seconds since it was received: lowers every TTL
    std::optional<std::uint32_t> fixed_ttl; // serve-stale: every TTL becomes this (RFC 8767)
};

// Writes `stored` as the reply to `query`. The question is the client's own
// (its case, its ID); AA is clear; answer and authority RRsets that do not
// fit set TC, additional ones are left out. Returns the size, 0 if `out`
// cannot hold even the header and question.
std::size_t write_stored_reply(const StoredMessage& stored, const ParsedQuery& query,
                               const StoredReplyShape& shape, std::span<std::uint8_t> out) noexcept;

// A reply with no records (SERVFAIL, REFUSED) in the same style.
std::size_t write_empty_reply(const ParsedQuery& query, Rcode rcode, const StoredReplyShape& shape,
                              std::span<std::uint8_t> out) noexcept;

} // namespace phx::dns::resolver

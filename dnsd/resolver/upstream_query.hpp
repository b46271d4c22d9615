// SPDX-License-Identifier: GPL-3.0-or-later
// The query phx-dnsd sends upstream for a client's query, and the checks a
// reply must pass to be taken as the answer to it.
//
// Each forwarded query has a random ID and a random letter case in its name
// (the "0x20" defence: a forged reply must also guess the case), and carries
// an EDNS option with one random mark per phx-dnsd it has passed through.
// A query that arrives carrying our own mark has come back to us: a loop.
#pragma once

#include "dnsd/query.hpp"

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace phx::dns::resolver {

// RFC 6891 §9 reserves 65001-65534 for local and experimental use.
constexpr std::uint16_t kLoopMarkOption = 65113;
// More marks than this and the query has crossed too many forwarders: a hop limit.
constexpr std::size_t kMaxLoopMarks = 8;

// The marks in the query's loop-mark option (none if it has no EDNS).
[[nodiscard]] std::vector<std::uint64_t> loop_marks(std::span<const std::uint8_t> message,
                                                    const ParsedQuery& query);

struct UpstreamQuery {
    std::vector<std::uint8_t> bytes;
    std::uint16_t id = 0;
    wire::Name sent_name; // the question name with the case we chose
};

// RD=1, CD as the client asked, EDNS with our buffer size and the client's
// DO, and the marks followed by ours.
[[nodiscard]] UpstreamQuery make_upstream_query(const ParsedQuery& client,
                                                const std::vector<std::uint64_t>& marks,
                                                std::uint16_t udp_size, std::mt19937_64& rng);

// Whether `reply` is a response to `sent`: same ID, QR set, opcode QUERY and
// the question exactly as sent, letter case included.
[[nodiscard]] bool is_reply_to(std::span<const std::uint8_t> reply, const UpstreamQuery& sent,
                               const ParsedQuery& client) noexcept;

[[nodiscard]] bool is_truncated(std::span<const std::uint8_t> reply) noexcept;

} // namespace phx::dns::resolver

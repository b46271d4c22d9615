// SPDX-License-Identifier: GPL-3.0-or-later
// The answer function: one query message in, one reply message out. It is a
// pure function of (query bytes, zone snapshot, transport limits): no heap
// allocation, no lock, no exception, no I/O. Transports call it; tests call
// it directly.
#pragma once

#include <cstdint>
#include <span>

#include "dnsd/wire/types.hpp"
#include "dnsd/zone/zone.hpp"

namespace phx::dns {

enum class Transport : std::uint8_t { udp, tcp };

struct AnswerOptions {
    Transport transport = Transport::udp;
    std::uint16_t edns_udp_size = 1232;  // our own limit, advertised in OPT
};

enum class Disposition : std::uint8_t {
    reply,     // send the `size` bytes written
    drop,      // send nothing (not a query)
    not_ours,  // the reply is REFUSED: no served zone holds the name
};

struct AnswerResult {
    std::size_t size = 0;
    Disposition disposition = Disposition::drop;
    Rcode rcode = Rcode::noerror;
    RrType qtype{};
};

// `out` must hold 65535 bytes for TCP; for UDP at least the configured EDNS
// size (a smaller buffer only makes replies truncate sooner).
AnswerResult answer(std::span<const std::uint8_t> query, const ZoneSet& zones, const AnswerOptions& options,
                    std::span<std::uint8_t> out) noexcept;

}  // namespace phx::dns

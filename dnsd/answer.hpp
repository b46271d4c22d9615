// SPDX-License-Identifier: GPL-3.0-or-later
// The answer function: one query message in, one reply message out. It is a
// pure function of (query bytes, zone snapshot, transport limits): no heap
// allocation, no lock, no exception, no I/O. Transports call it; tests call
// it directly. The one state it touches is the worker's SipHash context for
// cookies, reset in place for each hash.
#pragma once

#include "dnsd/cookies/server_cookie.hpp"
#include "dnsd/wire/types.hpp"
#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <span>

namespace phx::dns {

enum class Transport : std::uint8_t { udp, tcp };

struct AnswerOptions {
    Transport transport = Transport::udp;
    std::uint16_t edns_udp_size = 1232; // our own limit, advertised in OPT
    bool recursion_available = false;   // RA: this client may use the forwarder
    // NSID (RFC 5001) for clients that ask with an empty NSID option; empty: none.
    std::span<const std::uint8_t> nsid{};
    // DNS cookies (RFC 7873, 9018) for this client; null: the option is ignored.
    const CookieContext* cookies = nullptr;
};

enum class Disposition : std::uint8_t {
    reply,    // send the `size` bytes written
    drop,     // send nothing (not a query)
    not_ours, // the reply is REFUSED: no served zone holds the name (a forwarder may take it)
    // A zone transfer (AXFR, IXFR) or a TSIG-signed query: dnsd/xfr answers
    // it, with the keys and the transfer ACL. The reply written is REFUSED,
    // for callers without them.
    transfer,
};

struct AnswerResult {
    std::size_t size = 0;
    Disposition disposition = Disposition::drop;
    Rcode rcode = Rcode::noerror;
    RrType qtype{};
    bool too_short = false; // dropped as shorter than a header, not as a response
    CookieVerdict cookie = CookieVerdict::none;
    bool cookie_issued = false; // the reply carries a server cookie made for it, not the client's
    // The zone that answered, if any: response rate limiting counts
    // NXDOMAIN and referrals by zone. Valid while the snapshot is.
    const Zone* zone = nullptr;
};

struct ParsedQuery;

// The largest reply this client can take over this transport: 65535 over
// TCP; over UDP 512 without EDNS, else min(client's size, ours), at least
// 512 (RFC 6891 §6.2.5).
[[nodiscard]] std::size_t reply_size_limit(const ParsedQuery& query, Transport transport,
                                           std::uint16_t our_udp_size) noexcept;

// `out` must hold 65535 bytes for TCP; for UDP at least the configured EDNS
// size (a smaller buffer only makes replies truncate sooner).
AnswerResult answer(std::span<const std::uint8_t> query, const ZoneSet& zones,
                    const AnswerOptions& options, std::span<std::uint8_t> out) noexcept;

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing of an incoming query message into the fields answer() needs.
// Never throws, never allocates, never reads outside the message.
#pragma once

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/types.hpp"

#include <cstdint>
#include <span>

namespace phx::dns {

struct EdnsInfo {
    bool present = false;
    std::uint16_t udp_size = 0; // as the client sent it
    std::uint8_t version = 0;
    bool dnssec_ok = false;
    std::size_t options_offset = 0; // the OPT rdata (its options) within the message
    std::uint16_t options_length = 0;
    // The options we act on (edns_options.hpp).
    bool nsid_requested = false;    // an empty NSID option (RFC 5001)
    bool cookie_malformed = false;  // a COOKIE of a forbidden length: FORMERR (RFC 7873 §5.2.2)
    std::uint8_t cookie_length = 0; // 0: no COOKIE; else 8, or 16 to 40 with a server cookie
    std::size_t cookie_offset = 0;  // the COOKIE's data within the message
};

struct ParsedQuery {
    std::uint16_t id = 0;
    std::uint16_t flags = 0; // header flags word as received
    Opcode opcode = Opcode::query;
    bool has_question = false;
    wire::Name qname;       // as written: echoed back byte for byte
    wire::Name qname_lower; // the lookup key
    RrType qtype{};
    std::uint16_t qclass = 0;
    EdnsInfo edns;
    // Where a TSIG record starts (RFC 8945), 0 if there is none. It is
    // always the last record: one anywhere else makes the query FORMERR.
    std::size_t tsig_offset = 0;
};

enum class QueryVerdict {
    ok,
    drop,    // not a query at all (too short, or a response): no reply (RFC 1035 4.1.1)
    formerr, // a query we cannot parse
    notimp,  // an opcode other than QUERY
    // No question, but an OPT record with a COOKIE option: a client asking
    // for a server cookie alone (RFC 7873 §5.4). Only a server with cookies
    // on answers it; for any other it is FORMERR, as every QDCOUNT but 1.
    cookie_only,
};

// Fills `out` as far as the message allows, so that even a FORMERR reply can
// echo the ID and, when it parsed, the question and the EDNS state.
QueryVerdict parse_query(std::span<const std::uint8_t> message, ParsedQuery& out) noexcept;

} // namespace phx::dns

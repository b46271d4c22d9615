// SPDX-License-Identifier: GPL-3.0-or-later
// Serialises a reply: header, echoed question, the planned sections and the
// OPT record, fitting everything into the size the transport allows.
#pragma once

#include "dnsd/edns_options.hpp"
#include "dnsd/lookup.hpp"
#include "dnsd/query.hpp"

#include <cstdint>
#include <span>

namespace phx::dns {

struct ReplyShape {
    Rcode rcode = Rcode::noerror;
    bool authoritative = false;
    std::size_t max_size = kMinUdpSize; // what the client can take over this transport
    std::uint16_t our_udp_size = 1232;  // advertised in our OPT
    bool recursion_available = false;   // RA
    ReplyOptions options;               // NSID and COOKIE, in the OPT record if the query had one
};

// Writes the reply into `out` and returns its size (0 if `out` is too small
// for even a header). RRsets are never split: one that does not fit is left
// out whole and, where it matters, TC is set (RFC 2181 §9). `plan` may be
// null for replies with no records (errors, REFUSED).
std::size_t write_reply(const ParsedQuery& query, const ReplyShape& shape, const Plan* plan,
                        std::span<std::uint8_t> out) noexcept;

} // namespace phx::dns

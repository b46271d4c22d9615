// SPDX-License-Identifier: GPL-3.0-or-later
// Which bucket a reply is counted in: the client's network, the kind of
// response and what it is about, as BIND, Knot and NSD classify them. A
// flood of one name fills the bucket of that name; one of random names
// under a zone (all NXDOMAIN) fills the zone's; one of broken queries
// fills the network's error bucket; and none of them touches the others.
#pragma once

#include "common/net.hpp"
#include "dnsd/cookies/siphash.hpp"
#include "dnsd/wire/types.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace phx::dns::rrl {

enum class Kind : std::uint8_t {
    answer = 1, // records of the asked type (or a CNAME chain): by name and type
    nodata,     // the name exists, the type does not: by name and type
    nxdomain,   // by zone, so random names under it share one bucket
    referral,   // a delegation (AA clear): by zone
    error,      // FORMERR, REFUSED, NOTIMP, BADVERS, SERVFAIL: by network alone
};

// How much of a client address makes its network: a /24 (IPv4) and a /56
// (IPv6) by default, as BIND; spoofed floods rarely keep to one address.
struct Prefixes {
    unsigned v4 = 24;
    unsigned v6 = 56;
};

// The kind of a reply we wrote with this (full, extended) rcode, from its
// header (AA, ANCOUNT). `reply` holds at least a header.
[[nodiscard]] Kind kind_of(Rcode rcode, std::span<const std::uint8_t> reply) noexcept;

// The bucket key of a reply: a keyed hash (so nobody can aim at another's
// bucket) of the client's network, the kind, and the question's name and
// type (lower case, from the reply) or `zone_origin` (lower-case wire form;
// empty when no zone answered). Never 0.
[[nodiscard]] std::uint64_t bucket_key(SipHasher& hasher, const IpAddress& client,
                                       const Prefixes& prefixes, Rcode rcode,
                                       std::span<const std::uint8_t> reply,
                                       std::string_view zone_origin) noexcept;

} // namespace phx::dns::rrl

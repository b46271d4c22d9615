// SPDX-License-Identifier: GPL-3.0-or-later
// The scrubber: what of an upstream's reply is passed on to clients and
// cached. An upstream is trusted to answer the question asked, nothing
// more. So, as Unbound and Knot Resolver do:
//  - the answer keeps only the chain from the question name: the records of
//    the asked type at the name the chain has reached, and the CNAMEs and
//    DNAMEs that lead there (with their RRSIGs); anything else is dropped;
//  - nothing at or below one of our own zones is ever taken from upstream:
//    a chain is cut at the first target in our zones, keeping the CNAME (or
//    DNAME) that points there and dropping what the upstream claims about
//    our name; the stub then asks us for the target, and gets our own
//    authoritative answer. RFC 6604: the rcode is then NOERROR;
//  - the authority section keeps, in negative answers only, the SOA whose
//    owner is the last name of the chain or an ancestor of it (RFC 2308
//    negative caching needs it) and the NSEC, NSEC3 and RRSIG records at or
//    below that owner (DNSSEC proofs); the additional section is dropped;
//  - TTLs are capped: with the top bit set they count as 0 (RFC 2181 §8),
//    then at most max_ttl, or max_negative_ttl in negative answers, where
//    the SOA also takes min(its TTL, its MINIMUM) (RFC 2308 §3).
#pragma once

#include "dnsd/query.hpp"
#include "dnsd/resolver/stored_message.hpp"
#include "dnsd/zone/zone.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace phx::dns::resolver {

struct ScrubLimits {
    std::uint32_t max_ttl = 86400;
    std::uint32_t max_negative_ttl = 3600;
};

struct ScrubReport {
    std::size_t dropped = 0; // records removed, in all sections
    bool cut = false;        // a chain led into our zones and was cut there
};

// RFC 2181 §8: a TTL with the most significant bit set counts as 0.
[[nodiscard]] constexpr std::uint32_t capped_ttl(std::uint32_t ttl, std::uint32_t max) noexcept {
    return (ttl & 0x80000000u) != 0 ? 0 : std::min(ttl, max);
}

// Scrubs `message`, the upstream's reply to `query`, in place. `ours` is the
// zone set being served.
ScrubReport scrub(StoredMessage& message, const ParsedQuery& query, const ZoneSet& ours,
                  const ScrubLimits& limits);

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers for the resolver: stored records and messages written as
// text, and our zone, so tests read like the answers they describe.
#pragma once

#include "dnsd/query.hpp"
#include "dnsd/resolver/stored_message.hpp"
#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace phx::test {

// Wire form of a presentation name (the case kept).
std::string wire_name(std::string_view text);
// A record whose rdata is one name (CNAME, DNAME, NS, PTR).
dns::resolver::StoredRr name_rr(std::string_view owner, dns::RrType type, std::uint32_t ttl,
                                std::string_view target);
dns::resolver::StoredRr a_rr(std::string_view owner, std::uint32_t ttl, std::uint8_t last_octet);
// SOA with the given TTL and MINIMUM.
dns::resolver::StoredRr soa_rr(std::string_view owner, std::uint32_t ttl, std::uint32_t minimum);
// RRSIG covering `covered` (only the type covered is meaningful).
dns::resolver::StoredRr rrsig_rr(std::string_view owner, dns::RrType covered);

// "owner TYPE" for each record, in order; names in lower-case text.
std::vector<std::string> summary(const std::vector<dns::resolver::StoredRr>& rrs);

// internal.thinkheads.ai, a small stand-in for the zone we serve.
std::shared_ptr<const dns::ZoneSet> our_zones();

dns::ParsedQuery parsed_query(std::string_view name, dns::RrType type);

} // namespace phx::test

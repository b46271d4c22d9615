// SPDX-License-Identifier: GPL-3.0-or-later
// Names for every host of the inventory, served from the inventory itself:
// each host gets <name>.<label>.<zone> (A or AAAA) in one of the served
// zones, and each address its PTR back to that name, in reverse zones made
// for the inventory's networks. The zone files' own records (the spec's
// service names) stay as they are; the label keeps the host names apart
// from them, and a zone file that defines a host's name anyway is an error.
#pragma once

#include "common/diag.hpp"
#include "common/inventory/inventory.hpp"
#include "dnsd/zone/zone.hpp"
#include "dnsd/zone/zone_build.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace phx::dns {

struct InventoryNames {
    inventory::Inventory inventory;
    std::string file;        // the rules file, for messages
    std::string zone;        // lower-case wire origin of the zone the names go under
    std::string zone_text;   // the same in presentation form, "internal.thinkheads.ai."
    std::string label;       // "hosts": nginx.hosts.internal.thinkheads.ai; "" for none
    std::uint32_t ttl = 300; // of every generated record
};

// "nginx.hosts.internal.thinkheads.ai." for host `h`.
[[nodiscard]] std::string host_name_text(const InventoryNames& names, inventory::HostIndex h);

// One A or AAAA record per host, at its name, with the host's position.
[[nodiscard]] std::vector<ScannedRecord> host_records(const InventoryNames& names);

// A digest of the records host_records() makes: equal when the inventory
// gives the same names, addresses and TTL.
[[nodiscard]] std::uint64_t inventory_digest(const InventoryNames& names);

// Reports every record of the zone file at or below a host's name (the
// inventory owns those names), naming both places; false if any.
bool check_host_names_free(const InventoryNames& names, const ZoneBuilder& zone,
                           Diagnostics& diag);

// Warns about each A/AAAA record of a zone file that points into one of
// the inventory's networks at an address no host has: a name for a machine
// the firewall does not know, or an address that moved.
void check_addresses_known(const InventoryNames& names, const ZoneBuilder& zone,
                           Diagnostics& diag);

// The reverse zones of a network: in-addr.arpa zones on octet boundaries
// between /8 and /24, ip6.arpa zones on nibble boundaries between /4 and
// /124. A prefix between two boundaries is split into the zones of the next
// one (a /20 into sixteen /24 zones, a /62 into four /64 zones); a longer
// prefix is served as the zone that contains it (a /26 as its /24: this
// server answers for the whole /24, which RFC 2317 delegation would only
// be needed for if someone else served the rest). At most 256 zones.
[[nodiscard]] std::vector<std::string> reverse_origins(const Cidr& network);

// "13.0.0.10.in-addr.arpa." for 10.0.0.13.
[[nodiscard]] std::string reverse_name(const IpAddress& address);

// The reverse zones of every network of the inventory, each with the SOA
// and NS of `forward` (the zone the host names are in, whose servers answer
// for these too) and one PTR per host address inside it. Returns nothing
// after reporting a problem.
[[nodiscard]] std::optional<std::vector<std::shared_ptr<const Zone>>>
reverse_zones(const InventoryNames& names, const Zone& forward, Diagnostics& diag);

} // namespace phx::dns

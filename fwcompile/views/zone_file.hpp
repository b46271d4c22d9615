// SPDX-License-Identifier: GPL-3.0-or-later
// The reverse DNS zone of the inventory (RFC 1035 master file): one PTR per
// host, hypervisor included, so `dig -x 10.0.0.12` names traefik from the
// same rules file the firewall is compiled from. IPv4 networks on an octet
// boundary only (/8, /16, /24): anything else would need RFC 2317
// delegation. The SOA serial is a hash (FNV-1a, 32 bits) of every record
// after it, so it changes exactly when the zone's data does; it is not
// monotonic, which is fine for phx-dnsd, the zone's only server (no
// secondaries compare serials).
#pragma once

#include "fwcompile/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace phx::fw {

struct ZoneOptions {
    std::string domain = "internal.thinkheads.ai"; // each PTR names <host>.<domain>
    std::string nameserver;                        // the NS; "" means ns1.<domain>
    std::string source;                            // the rules file, named in the header
};

struct ReverseZone {
    std::string origin; // "0.0.10.in-addr.arpa." (absolute)
    std::string text;   // the zone file
    std::uint32_t serial = 0;
    std::size_t pointers = 0;          // PTR records
    std::vector<std::string> warnings; // hosts outside the network, left out
};

struct ZoneResult {
    std::optional<ReverseZone> zone; // nullopt when there are errors
    std::vector<std::string> errors;
};

[[nodiscard]] ZoneResult reverse_zone(const Inventory& inventory, const ZoneOptions& options);

// "0.0.10.in-addr.arpa." for 10.0.0.0/24; nullopt unless IPv4 /8, /16 or /24.
[[nodiscard]] std::optional<std::string> reverse_origin(const Cidr& network);

} // namespace phx::fw

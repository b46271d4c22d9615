// SPDX-License-Identifier: GPL-3.0-or-later
// Everything phx-dnsd serves, as the configuration describes it: the zone
// files, the inventory's host names and reverse zones, and the serials the
// serial policy gives them. Read at start and again at every reload.
#pragma once

#include "common/diag.hpp"
#include "dnsd/config.hpp"
#include "dnsd/zone/zone.hpp"

#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace phx::dns {

// The zone the inventory's host names go in: [inventory] zone, else the
// first [[zone]]; "" without an inventory.
[[nodiscard]] std::string inventory_zone_text(const DnsdConfig& config);

// All zones or nothing (nullptr after reporting why). On a reload, zones
// whose inputs did not change are taken from `served` (see load_zone_set).
[[nodiscard]] std::shared_ptr<const ZoneSet>
load_served_zones(const DnsdConfig& config, Diagnostics& diag, const ZoneSet* served = nullptr);

// What the serial policy made of one zone, for the log.
struct SerialReport {
    std::string zone; // "internal.thinkheads.ai."
    std::string file;
    std::uint32_t file_serial = 0;
    std::optional<std::uint32_t> before; // served until now; nullopt for a new zone
    std::uint32_t serving = 0;
    bool changed = false; // content differs from what was served
    bool stale = false;   // changed, but served under a serial that did not grow
    bool kept = false;    // its files did not change: the served zone, not read again
};

// `loaded` with each zone's serial set by the policy, given what was served
// before (nullptr at start). One report per zone.
[[nodiscard]] std::shared_ptr<const ZoneSet>
apply_serial_policy(const ZoneSet& loaded, const ZoneSet* served, SerialPolicy policy,
                    std::time_t now, std::vector<SerialReport>& reports);

// "zone internal.thinkheads.ai. serial 2026112501 -> 2026112502 (changed, increment)".
[[nodiscard]] std::string describe(const SerialReport& report, SerialPolicy policy);

} // namespace phx::dns

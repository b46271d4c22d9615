// SPDX-License-Identifier: GPL-3.0-or-later
// The configuration's zones with the inventory joined in, and serials.
#include "dnsd/served_zones.hpp"

#include "common/inventory/inventory.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/inventory_zones.hpp"
#include "dnsd/zone/loader.hpp"

#include <fmt/format.h>

namespace phx::dns {
namespace {

std::string absolute(std::string name) {
    if (name.empty() || name.back() != '.') name += '.';
    return name;
}

// The names of the inventory's hosts as the configuration places them;
// nullopt after reporting a bad zone or label.
std::optional<InventoryNames> inventory_names(const DnsdConfig& config, Diagnostics& diag) {
    const InventoryConfig& c = *config.inventory;
    const std::string zone_text = inventory_zone_text(config);
    const SourcePos zone_at = c.zone_at.file.empty() ? c.at : c.zone_at;
    auto zone = wire::Name::from_text(zone_text);
    if (!zone || zone_text.empty()) {
        diag.error(zone_at,
                   fmt::format("'{}' is not a zone name for the inventory's hosts", zone_text));
        return std::nullopt;
    }
    zone->to_lower();
    if (!c.label.empty()) {
        const bool relative = c.label.back() != '.' && c.label.front() != '.';
        if (!relative || !wire::Name::from_text(c.label + "." + zone_text)) {
            diag.error(c.label_at.file.empty() ? c.at : c.label_at,
                       fmt::format("label '{}' must be a name relative to {} (e.g. \"hosts\")",
                                   c.label, zone_text));
            return std::nullopt;
        }
    }
    auto inventory = inventory::load_inventory_file(c.file, diag);
    if (!inventory) return std::nullopt;
    return InventoryNames{
        std::move(*inventory), c.file, std::string{zone->view()}, zone_text, c.label, c.ttl};
}

std::string zone_text(const Zone& zone) {
    return wire::name_to_text(wire::bytes_of(zone.origin()));
}

} // namespace

std::string inventory_zone_text(const DnsdConfig& config) {
    if (!config.inventory) return {};
    if (!config.inventory->zone.empty()) return absolute(config.inventory->zone);
    if (config.zones.empty()) return {};
    const ZoneSource& first = config.zones.front();
    return absolute(first.origin.empty() ? origin_from_file_name(first.file) : first.origin);
}

std::shared_ptr<const ZoneSet> load_served_zones(const DnsdConfig& config, Diagnostics& diag,
                                                 const ZoneSet* served) {
    if (!config.inventory) return load_zone_set(config.zones, diag, nullptr, served);
    auto names = inventory_names(config, diag);
    if (!names) return nullptr;
    return load_zone_set(config.zones, diag, &*names, served);
}

std::shared_ptr<const ZoneSet> apply_serial_policy(const ZoneSet& loaded, const ZoneSet* served,
                                                   SerialPolicy policy, std::time_t now,
                                                   std::vector<SerialReport>& reports) {
    std::vector<std::shared_ptr<const Zone>> zones;
    for (const auto& zone : loaded.zones()) {
        const Zone* before = nullptr;
        if (served)
            for (const auto& old : served->zones())
                if (old->origin() == zone->origin()) before = old.get();
        const SerialDecision d = decide_serial(policy, *zone, before, now);
        reports.push_back({zone_text(*zone), zone->file(), zone->serial(),
                           before ? std::optional{before->serial()} : std::nullopt, d.serial,
                           d.changed, d.stale, before == zone.get()});
        zones.push_back(d.serial == zone->serial() ? zone : with_serial(*zone, d.serial));
    }
    return std::make_shared<const ZoneSet>(std::move(zones));
}

std::string describe(const SerialReport& r, SerialPolicy policy) {
    const std::string from = r.file_serial == r.serving
                                 ? fmt::format("from {}", r.file)
                                 : fmt::format("from {} (whose serial is {}; serial_policy {})",
                                               r.file, r.file_serial, to_string(policy));
    if (!r.before) return fmt::format("zone {} new, serial {} {}", r.zone, r.serving, from);
    if (r.kept)
        return fmt::format("zone {} unchanged, serial {} ({} and what it includes are as they "
                           "were loaded: not read again)",
                           r.zone, r.serving, r.file);
    if (r.stale)
        return fmt::format("zone {} changed but its serial {} did not grow, so secondaries and "
                           "caches keep the old data: raise the SOA serial in {} or set "
                           "[server] serial_policy (increment, unixtime, dateserial)",
                           r.zone, r.serving, r.file);
    return fmt::format("zone {} {}, serial {} -> {} {}", r.zone,
                       r.changed ? "changed" : "unchanged", *r.before, r.serving, from);
}

} // namespace phx::dns

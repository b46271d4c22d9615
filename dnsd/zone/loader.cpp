// SPDX-License-Identifier: GPL-3.0-or-later
// Zone loading: scan (libzscanner), then build and validate (zone_build).
#include "dnsd/zone/loader.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/zone/include_check.hpp"
#include "dnsd/zone/inventory_zones.hpp"
#include "dnsd/zone/zone_build.hpp"
#include "dnsd/zone/zone_scan.hpp"
#include "dnsd/zone/zone_update.hpp"

#include <fmt/format.h>
#include <functional>

namespace phx::dns {
namespace {

// Lower-case wire form of a presentation-form origin; reports a bad one.
std::optional<std::string> origin_wire(std::string_view text, const SourcePos& at,
                                       Diagnostics& diag) {
    auto name = wire::Name::from_text(text);
    if (!name) {
        diag.error(at, fmt::format("'{}' is not a valid zone name", text));
        return std::nullopt;
    }
    name->to_lower();
    return std::string{name->view()};
}

// The origin as libzscanner takes it: absolute, with its final dot.
std::string absolute(std::string_view origin) {
    std::string text{origin};
    if (text.empty() || text.back() != '.') text += '.';
    return text;
}

std::optional<ScannedZone> scan(std::string_view input, bool is_file, std::string_view origin,
                                const std::string& file_label, const SourcePos& origin_pos,
                                Diagnostics& diag) {
    auto wire_origin = origin_wire(origin, origin_pos, diag);
    if (!wire_origin) return std::nullopt;
    std::string origin_text = absolute(origin);
    ZoneBuilder records{*wire_origin, file_label, diag};
    if (!scan_zone(input, is_file, origin_text, file_label, records, diag)) {
        records.report_suppressed();
        return std::nullopt; // never serve a partly parsed zone
    }
    return ScannedZone{std::move(*wire_origin), std::move(origin_text), file_label,
                       std::move(records)};
}

} // namespace

std::string origin_from_file_name(std::string_view path) {
    auto base = path.substr(path.find_last_of('/') + 1);
    for (std::string_view suffix : {".zone", ".db", ".txt"}) {
        if (base.size() > suffix.size() && base.substr(base.size() - suffix.size()) == suffix) {
            base.remove_suffix(suffix.size());
            break;
        }
    }
    std::string origin{base};
    if (origin.empty() || origin.back() != '.') origin += '.';
    return origin;
}

namespace {

std::string origin_of(const ZoneSource& source) {
    return source.origin.empty() ? origin_from_file_name(source.file) : source.origin;
}

// Where the config named the zone, for "already loaded" errors.
SourcePos declared_at(const ZoneSource& source) {
    return source.declared_at.file.empty() ? SourcePos{source.file} : source.declared_at;
}

SourcePos origin_pos_of(const ZoneSource& source) {
    return source.origin.empty() ? SourcePos{source.file} : source.declared_at;
}

// The zone `served` answers from the same file with, or nullptr.
std::shared_ptr<const Zone> previous(const ZoneSet* served, std::string_view origin,
                                     const std::string& file) {
    if (!served) return nullptr;
    for (const auto& zone : served->zones())
        if (zone->origin() == origin && zone->file() == file) return zone;
    return nullptr;
}

// Whether an edited file may update `before` in place: it was built
// without a warning and checked against the same inventory, and it is not
// the inventory's own zone (whose host-name checks need every record).
bool updatable(const Zone& before, bool has_hosts, std::uint64_t hosts_digest) {
    return !has_hosts && before.facts().clean && before.facts().checked_with == hosts_digest;
}

// The edited file of a served zone, as a new version sharing what did not
// change (see ZoneUpdate); nullptr when it has to be built in full. A file
// that does not parse is reported and sets `unreadable`.
std::shared_ptr<const Zone> update_zone(const std::shared_ptr<const Zone>& before,
                                        std::string_view origin_text, const ZoneSource& source,
                                        std::uint64_t inputs, const InventoryNames* inventory,
                                        std::uint64_t hosts_digest, Diagnostics& diag,
                                        bool& unreadable) {
    ZoneUpdate update{before, inputs, hosts_digest};
    if (!scan_zone(source.file, true, absolute(origin_text), source.file, update, diag)) {
        unreadable = true;
        return nullptr;
    }
    if (inventory) {
        Diagnostics quiet; // anything said here is said again by the full build
        check_addresses_known(*inventory, update, quiet);
        if (quiet.error_count() + quiet.warning_count() > 0) return nullptr;
    }
    return std::move(update).finish();
}

} // namespace

std::optional<ScannedZone> scan_zone_file(const ZoneSource& source, Diagnostics& diag) {
    if (!check_includes(source.file, diag)) return std::nullopt;
    return scan(source.file, true, origin_of(source), source.file, origin_pos_of(source), diag);
}

// The builder reports to the Diagnostics it was made with.
std::shared_ptr<const Zone> build_scanned_zone(ScannedZone scanned, Diagnostics& /*diag*/) {
    return std::move(scanned.records).finish();
}

std::shared_ptr<const Zone> load_zone_file(const ZoneSource& source, Diagnostics& diag) {
    auto scanned = scan_zone_file(source, diag);
    return scanned ? build_scanned_zone(std::move(*scanned), diag) : nullptr;
}

std::shared_ptr<const Zone> load_zone_text(std::string_view text, std::string_view origin,
                                           const std::string& file_label, Diagnostics& diag) {
    auto scanned = scan(text, false, origin, file_label, SourcePos{file_label}, diag);
    return scanned ? build_scanned_zone(std::move(*scanned), diag) : nullptr;
}

namespace {

// Adds `zone` unless its origin is taken, which is reported at `at`.
bool add_unique(std::vector<std::shared_ptr<const Zone>>& zones, std::shared_ptr<const Zone> zone,
                const SourcePos& at, Diagnostics& diag) {
    for (const auto& other : zones) {
        if (other->origin() != zone->origin()) continue;
        diag.error(at,
                   fmt::format("zone {} is already loaded from {}",
                               wire::name_to_text(wire::bytes_of(zone->origin())), other->file()));
        return false;
    }
    zones.push_back(std::move(zone));
    return true;
}

} // namespace

std::shared_ptr<const ZoneSet> load_zone_set(std::span<const ZoneSource> sources, Diagnostics& diag,
                                             const InventoryNames* inventory,
                                             const ZoneSet* served) {
    std::vector<std::shared_ptr<const Zone>> zones;
    const Zone* inventory_zone = nullptr;
    bool complete = true;
    const std::uint64_t hosts_digest = inventory ? inventory_digest(*inventory) : 0;
    for (const auto& source : sources) {
        const std::string origin_text = origin_of(source);
        const auto wire_origin = origin_wire(origin_text, origin_pos_of(source), diag);
        std::uint64_t inputs = 0;
        if (!wire_origin || !check_includes(source.file, diag, &inputs)) {
            complete = false;
            continue;
        }
        inputs = combined_digest(inputs, *wire_origin);
        if (inventory && *wire_origin == inventory->zone)
            inputs = combined_digest(inputs, std::to_string(hosts_digest));
        const bool has_hosts = inventory && *wire_origin == inventory->zone;
        auto before = previous(served, *wire_origin, source.file);
        // Unchanged since the last load: keep the zone, and skip reading it.
        if (before && inputs != 0 && before->inputs() == inputs) {
            if (has_hosts) inventory_zone = before.get();
            if (!add_unique(zones, std::move(before), declared_at(source), diag)) complete = false;
            continue;
        }
        // Edited since: share with the served version what did not change.
        if (before && updatable(*before, has_hosts, hosts_digest)) {
            bool unreadable = false;
            auto zone = update_zone(before, origin_text, source, inputs, inventory, hosts_digest,
                                    diag, unreadable);
            if (unreadable) {
                complete = false;
                continue;
            }
            if (zone) {
                if (!add_unique(zones, std::move(zone), declared_at(source), diag))
                    complete = false;
                continue;
            }
        }
        const std::size_t warnings_before = diag.warning_count();
        auto scanned =
            scan(source.file, true, origin_text, source.file, origin_pos_of(source), diag);
        if (!scanned) {
            complete = false;
            continue;
        }
        scanned->records.note_inputs(inputs);
        if (inventory) check_addresses_known(*inventory, scanned->records, diag);
        if (has_hosts) {
            if (!check_host_names_free(*inventory, scanned->records, diag)) {
                complete = false; // said once; building it would only repeat it
                continue;
            }
            for (const auto& r : host_records(*inventory)) scanned->records.add(r);
        }
        scanned->records.note_checks(hosts_digest, diag.warning_count() != warnings_before);
        auto zone = build_scanned_zone(std::move(*scanned), diag);
        if (!zone) {
            complete = false;
            continue;
        }
        if (has_hosts) inventory_zone = zone.get();
        if (!add_unique(zones, std::move(zone), declared_at(source), diag)) complete = false;
    }
    if (!complete) return nullptr;
    if (inventory) {
        if (!inventory_zone) {
            diag.error({inventory->file},
                       fmt::format("the inventory's host names belong in {}, which is not one of "
                                   "the zones served (set [inventory] zone)",
                                   inventory->zone_text));
            return nullptr;
        }
        auto reverse = reverse_zones(*inventory, *inventory_zone, diag);
        if (!reverse) return nullptr;
        for (auto& zone : *reverse)
            if (!add_unique(zones, std::move(zone), {inventory->file}, diag)) complete = false;
        if (!complete) return nullptr;
    }
    return std::make_shared<const ZoneSet>(std::move(zones));
}

} // namespace phx::dns

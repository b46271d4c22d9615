// SPDX-License-Identifier: GPL-3.0-or-later
// Loads RFC 1035 master files with libzscanner (Knot's parser) and validates
// them into immutable zones. Every problem is reported with file:line; a zone
// with any error is not returned, so it is never served.
#pragma once

#include "common/diag.hpp"
#include "dnsd/zone/zone.hpp"
#include "dnsd/zone/zone_build.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns {

struct ZoneSource {
    std::string file;
    std::string origin;    // presentation form; empty: taken from the file name
    SourcePos declared_at; // where the config named this zone, for origin errors
};

// "zones/internal.thinkheads.ai.zone" -> "internal.thinkheads.ai." (a trailing
// ".zone", ".db" or ".txt" is dropped).
[[nodiscard]] std::string origin_from_file_name(std::string_view path);

// A zone file read but not yet validated, for records made elsewhere to
// join it (the inventory's host names) before build_scanned_zone().
struct ScannedZone {
    std::string origin;      // lower-case wire form
    std::string origin_text; // absolute presentation form
    std::string file;
    ZoneBuilder records;
};
[[nodiscard]] std::optional<ScannedZone> scan_zone_file(const ZoneSource& source,
                                                        Diagnostics& diag);
[[nodiscard]] std::shared_ptr<const Zone> build_scanned_zone(ScannedZone scanned,
                                                             Diagnostics& diag);

[[nodiscard]] std::shared_ptr<const Zone> load_zone_file(const ZoneSource& source,
                                                         Diagnostics& diag);

// The same from text in memory; `file_label` is the name used in messages.
[[nodiscard]] std::shared_ptr<const Zone> load_zone_text(std::string_view text,
                                                         std::string_view origin,
                                                         const std::string& file_label,
                                                         Diagnostics& diag);

struct InventoryNames;

// All zones or nothing: nullptr if any zone has an error or two zones share
// an origin. With an inventory, its host names join the zone they belong in
// and its reverse zones are added.
//
// With `served` (a reload), a zone whose files, text and inventory hosts are
// the same as when `served` loaded it is taken from `served` as it is: not
// read again, and not held twice while the other zones load.
[[nodiscard]] std::shared_ptr<const ZoneSet>
load_zone_set(std::span<const ZoneSource> sources, Diagnostics& diag,
              const InventoryNames* inventory = nullptr, const ZoneSet* served = nullptr);

} // namespace phx::dns

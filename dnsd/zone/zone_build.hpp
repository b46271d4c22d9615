// SPDX-License-Identifier: GPL-3.0-or-later
// Turns scanned records into a validated Zone: groups them into RRsets,
// checks the rules a zone must satisfy, and adds empty non-terminals.
#pragma once

#include "common/diag.hpp"
#include "dnsd/zone/zone.hpp"
#include "dnsd/zone/zone_scan.hpp"

#include <memory>
#include <string>
#include <vector>

namespace phx::dns {

// `origin` is the lower-case wire apex. Returns nullptr after reporting
// errors; warnings alone do not stop the zone.
[[nodiscard]] std::shared_ptr<const Zone> build_zone(const std::string& origin,
                                                     const std::string& file,
                                                     std::vector<ScannedRecord> records,
                                                     Diagnostics& diag);

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// The libzscanner step of loading: text in, records with their lines out.
#pragma once

#include "common/diag.hpp"
#include "dnsd/wire/types.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns {

// One record exactly as the zone file gave it.
struct ScannedRecord {
    std::string owner;       // wire form, case as written
    std::string owner_lower; // wire form, lower case: the lookup key
    RrType type{};
    std::uint16_t rclass = 0;
    std::uint32_t ttl = 0;
    std::string rdata; // uncompressed wire form
    SourcePos at;
};

// Scans a file (input_is_file) or a text. Syntax errors go to diag with the
// scanner's line; records come back in file order.
[[nodiscard]] std::vector<ScannedRecord> scan_zone(std::string_view input, bool input_is_file,
                                                   const std::string& origin_text,
                                                   const std::string& file_label,
                                                   Diagnostics& diag);

} // namespace phx::dns

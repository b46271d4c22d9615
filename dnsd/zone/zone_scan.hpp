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

class ZoneBuilder;

// Scans a file (input_is_file; its $INCLUDEs already checked by
// check_includes()) or a text into `into`, record by record in
// file order. Syntax errors go to diag with the scanner's line; false if
// there was any (the zone must then not be served).
[[nodiscard]] bool scan_zone(std::string_view input, bool input_is_file,
                             const std::string& origin_text, const std::string& file_label,
                             ZoneBuilder& into, Diagnostics& diag);

} // namespace phx::dns

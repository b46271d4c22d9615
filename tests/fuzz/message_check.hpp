// SPDX-License-Identifier: GPL-3.0-or-later
// What the DNS fuzz targets ask of every message they make: the header, the
// question and every record parse, and nothing is left over.
#pragma once

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"

#include <cstdint>
#include <span>

namespace phx::fuzz {

[[nodiscard]] inline bool parses_whole(std::span<const std::uint8_t> message) {
    dns::wire::WireReader r{message};
    r.skip(4);
    const unsigned questions = r.u16();
    const unsigned records = unsigned{r.u16()} + r.u16() + r.u16();
    dns::wire::Name name;
    for (unsigned i = 0; i < questions; ++i) {
        dns::wire::read_name(r, name);
        r.skip(4);
    }
    for (unsigned i = 0; i < records; ++i) {
        dns::wire::read_name(r, name);
        r.skip(8);
        r.skip(r.u16());
    }
    return r.ok() && r.remaining() == 0;
}

} // namespace phx::fuzz

// SPDX-License-Identifier: GPL-3.0-or-later
// Domain names inside rdata: which types carry them where, so that rdata can
// be read from a message with its compression pointers expanded, and written
// with compression where RFC 3597 §4 allows it.
#pragma once

#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/types.hpp"
#include "dnsd/wire/writer.hpp"

#include <cstdint>
#include <string>

namespace phx::dns::wire {

// Reads `rdlength` bytes of rdata at the reader's position into `out` in
// uncompressed form. Names are expanded for the types whose rdata may be
// compressed on the wire (RFC 3597 §4: the RFC 1035 types, and RP, AFSDB, RT,
// PX, SRV, DNAME as found in practice); other types are copied. Fails the
// reader on malformed rdata (a name that overruns, bytes left over).
bool read_rdata(WireReader& reader, RrType type, std::uint16_t rdlength, std::string& out);

// Writes uncompressed rdata, compressing names only for the RFC 1035 types
// (RFC 3597 §4: compression is allowed only for those).
void write_rdata(WireWriter& writer, RrType type, std::span<const std::uint8_t> rdata) noexcept;

} // namespace phx::dns::wire

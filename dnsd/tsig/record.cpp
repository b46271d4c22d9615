// SPDX-License-Identifier: GPL-3.0-or-later
// TSIG record parsing and writing over the bounds-checked wire cursors.
#include "dnsd/tsig/record.hpp"

#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/types.hpp"
#include "dnsd/wire/writer.hpp"

namespace phx::dns::tsig {

const char* error_text(Error e) {
    switch (e) {
    case Error::none:
        return "NOERROR";
    case Error::badsig:
        return "BADSIG";
    case Error::badkey:
        return "BADKEY";
    case Error::badtime:
        return "BADTIME";
    case Error::badtrunc:
        return "BADTRUNC";
    }
    return "unknown";
}

std::optional<Record> read_record(std::span<const std::uint8_t> message, std::size_t offset) {
    wire::WireReader r{message, offset};
    Record rec;
    rec.offset = offset;
    wire::read_name(r, rec.key_name);
    const std::uint16_t type = r.u16();
    const std::uint16_t rclass = r.u16();
    const std::uint32_t ttl = r.u32();
    const std::uint16_t rdlength = r.u16();
    if (!r.ok() || type != to_u16(RrType::tsig) || rclass != to_u16(RrClass::any) || ttl != 0 ||
        rdlength != r.remaining())
        return std::nullopt;
    wire::read_name(r, rec.algorithm);
    const std::uint64_t high = r.u16();
    rec.time_signed = high << 32 | r.u32();
    rec.fudge = r.u16();
    rec.mac = r.bytes(r.u16());
    rec.original_id = r.u16();
    rec.error = r.u16();
    rec.other = r.bytes(r.u16());
    if (!r.ok() || r.remaining() != 0) return std::nullopt;
    rec.key_name.to_lower();
    rec.algorithm.to_lower();
    return rec;
}

std::optional<std::size_t> find_record(std::span<const std::uint8_t> message) {
    wire::WireReader r{message};
    r.skip(4);
    const std::uint16_t qdcount = r.u16();
    const std::uint16_t ancount = r.u16();
    const std::uint16_t nscount = r.u16();
    const std::uint16_t arcount = r.u16();
    const std::uint32_t records = std::uint32_t{ancount} + nscount + arcount;
    wire::Name name;
    for (std::uint16_t i = 0; i < qdcount && r.ok(); ++i) {
        wire::read_name(r, name);
        r.skip(4);
    }
    std::size_t last = 0;
    std::uint16_t last_type = 0;
    for (std::uint32_t i = 0; i < records && r.ok(); ++i) {
        last = r.pos();
        wire::read_name(r, name);
        last_type = r.u16();
        r.skip(6);
        r.skip(r.u16());
    }
    if (!r.ok() || r.remaining() != 0 || arcount == 0 || last_type != to_u16(RrType::tsig))
        return std::nullopt;
    return last;
}

std::size_t record_size(const Fields& f) noexcept {
    return f.key_name.size() + 10 + f.algorithm.size() + 16 + f.mac.size() + f.other.size();
}

bool append_record(std::span<std::uint8_t> buffer, std::size_t& size, const Fields& f) noexcept {
    if (size < kHeaderSize || size > buffer.size()) return false;
    wire::WireWriter w{buffer.subspan(size)};
    w.bytes(f.key_name);
    w.u16(to_u16(RrType::tsig));
    w.u16(to_u16(RrClass::any));
    w.u32(0);
    w.u16(static_cast<std::uint16_t>(record_size(f) - f.key_name.size() - 10));
    w.bytes(f.algorithm);
    w.u16(static_cast<std::uint16_t>(f.time_signed >> 32));
    w.u32(static_cast<std::uint32_t>(f.time_signed));
    w.u16(f.fudge);
    w.u16(static_cast<std::uint16_t>(f.mac.size()));
    w.bytes(f.mac);
    w.u16(f.original_id);
    w.u16(static_cast<std::uint16_t>(f.error));
    w.u16(static_cast<std::uint16_t>(f.other.size()));
    w.bytes(f.other);
    const std::uint16_t arcount = static_cast<std::uint16_t>(buffer[10] << 8 | buffer[11]);
    if (!w.ok() || arcount == 0xffff) return false;
    size += w.pos();
    buffer[10] = static_cast<std::uint8_t>((arcount + 1) >> 8);
    buffer[11] = static_cast<std::uint8_t>(arcount + 1);
    return true;
}

} // namespace phx::dns::tsig

// SPDX-License-Identifier: GPL-3.0-or-later
// Rdata layouts as a short list of fields: a name, or a run of fixed bytes.
#include "dnsd/wire/rdata.hpp"

#include "dnsd/wire/name.hpp"

#include <array>

namespace phx::dns::wire {
namespace {

// A field is a name (kName) or that many fixed bytes; kRest is whatever
// remains. Layouts end at the first kEnd.
constexpr int kName = -1;
constexpr int kRest = -2;
constexpr int kEnd = 0;
using Layout = std::array<int, 4>;

struct TypeLayout {
    bool has_names;
    bool compress_on_write; // RFC 1035 types only
    Layout fields;
};

TypeLayout layout_of(RrType type) {
    switch (static_cast<std::uint16_t>(type)) {
    case 2:
    case 3:
    case 4:
    case 5:
    case 7:
    case 8:
    case 9:
    case 12: // NS MD MF CNAME MB MG MR PTR
        return {true, true, {kName, kEnd}};
    case 6: // SOA
        return {true, true, {kName, kName, 20, kEnd}};
    case 14: // MINFO
        return {true, true, {kName, kName, kEnd}};
    case 15: // MX
        return {true, true, {2, kName, kEnd}};
    case 17: // RP
        return {true, false, {kName, kName, kEnd}};
    case 18:
    case 21:
    case 36: // AFSDB RT KX
        return {true, false, {2, kName, kEnd}};
    case 26: // PX
        return {true, false, {2, kName, kName, kEnd}};
    case 33: // SRV
        return {true, false, {6, kName, kEnd}};
    case 39: // DNAME
        return {true, false, {kName, kEnd}};
    default:
        return {false, false, {kRest, kEnd}};
    }
}

} // namespace

bool read_rdata(WireReader& reader, RrType type, std::uint16_t rdlength, std::string& out) {
    out.clear();
    const std::size_t end = reader.pos() + rdlength;
    const TypeLayout layout = layout_of(type);
    if (!layout.has_names) {
        auto bytes = reader.bytes(rdlength);
        out.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        return reader.ok();
    }
    for (int field : layout.fields) {
        if (field == kEnd) break;
        if (field == kName) {
            Name name;
            if (!read_name(reader, name)) return false;
            out.append(name.view());
        } else {
            auto bytes = reader.bytes(static_cast<std::size_t>(field));
            out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
    }
    if (reader.ok() && reader.pos() != end) reader.fail(); // the rdlength must match the fields
    return reader.ok();
}

void write_rdata(WireWriter& writer, RrType type, std::span<const std::uint8_t> rdata) noexcept {
    const TypeLayout layout = layout_of(type);
    if (!layout.compress_on_write) {
        writer.bytes(rdata);
        return;
    }
    std::size_t at = 0;
    for (int field : layout.fields) {
        if (field == kEnd) break;
        if (field == kName) {
            const std::size_t len = name_length(rdata.subspan(at));
            if (len == 0) break; // not a name: copy the rest as it is
            writer.name(rdata.subspan(at, len));
            at += len;
        } else {
            const auto n = std::min(static_cast<std::size_t>(field), rdata.size() - at);
            writer.bytes(rdata.subspan(at, n));
            at += n;
        }
    }
    writer.bytes(rdata.subspan(at));
}

} // namespace phx::dns::wire

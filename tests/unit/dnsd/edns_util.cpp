// SPDX-License-Identifier: GPL-3.0-or-later
// EDNS option helpers for tests (see edns_util.hpp).
#include "unit/dnsd/edns_util.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"
#include "unit/dnsd/message_util.hpp"

#include <doctest/doctest.h>

namespace phx::test {

using namespace phx::dns;

Bytes query_with(std::string_view name, RrType type, const Bytes& options, std::uint16_t size) {
    QueryOptions o;
    o.edns_size = size;
    Bytes q = make_query(name, to_u16(type), o);
    q[q.size() - 2] = static_cast<std::uint8_t>(options.size() >> 8);
    q[q.size() - 1] = static_cast<std::uint8_t>(options.size());
    q.insert(q.end(), options.begin(), options.end());
    return q;
}

// (push_back rather than insert: GCC 12 warns wrongly about the latter here.)
Bytes option(std::uint16_t code, const Bytes& data) {
    Bytes out;
    out.push_back(static_cast<std::uint8_t>(code >> 8));
    out.push_back(static_cast<std::uint8_t>(code));
    out.push_back(static_cast<std::uint8_t>(data.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(data.size()));
    for (auto b : data) out.push_back(b);
    return out;
}

Bytes cat(Bytes a, const Bytes& b) {
    for (auto x : b) a.push_back(x);
    return a;
}

std::map<std::uint16_t, Bytes> reply_options(std::span<const std::uint8_t> reply) {
    std::map<std::uint16_t, Bytes> out;
    wire::WireReader r{reply};
    r.skip(4);
    const unsigned qd = r.u16();
    const unsigned records = unsigned{r.u16()} + r.u16() + r.u16();
    wire::Name name;
    for (unsigned i = 0; i < qd; ++i) {
        wire::read_name(r, name);
        r.skip(4);
    }
    for (unsigned i = 0; i < records && r.ok(); ++i) {
        wire::read_name(r, name);
        const std::uint16_t type = r.u16();
        r.skip(6);
        const std::uint16_t length = r.u16();
        const std::size_t end = r.pos() + length;
        if (type != 41) {
            r.skip(length);
            continue;
        }
        while (r.ok() && r.pos() < end) {
            const std::uint16_t code = r.u16();
            const auto data = r.bytes(r.u16());
            out[code] = Bytes(data.begin(), data.end());
        }
    }
    REQUIRE(r.ok());
    return out;
}

} // namespace phx::test

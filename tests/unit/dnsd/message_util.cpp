// SPDX-License-Identifier: GPL-3.0-or-later
// Test message builder and decoder (see message_util.hpp).
#include "unit/dnsd/message_util.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>

namespace phx::test {

using namespace phx::dns;

namespace {

void put16(std::vector<std::uint8_t>& v, unsigned x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
}

std::string read_name_text(wire::WireReader& r) {
    wire::Name n;
    if (!wire::read_name(r, n)) return "<bad name>";
    return n.to_text();
}

std::string rdata_text(std::span<const std::uint8_t> msg, std::size_t start, std::uint16_t type,
                       std::uint16_t len) {
    wire::WireReader r{msg.first(start + len), start};
    switch (RrType{type}) {
    case RrType::a:
    case RrType::aaaa: {
        char buf[INET6_ADDRSTRLEN] = {};
        auto b = r.bytes(len);
        inet_ntop(len == 4 ? AF_INET : AF_INET6, b.data(), buf, sizeof buf);
        return buf;
    }
    case RrType::ns:
    case RrType::cname:
    case RrType::ptr:
        return read_name_text(r);
    case RrType::mx: {
        const auto pref = r.u16();
        return fmt::format("{} {}", pref, read_name_text(r));
    }
    case RrType::soa: {
        auto m = read_name_text(r);
        auto h = read_name_text(r);
        const auto serial = r.u32();
        r.skip(12);
        return fmt::format("{} {} {} min={}", m, h, serial, r.u32());
    }
    default: {
        std::string hex;
        for (auto b : r.bytes(len)) hex += fmt::format("{:02x}", b);
        return hex;
    }
    }
}

} // namespace

std::vector<std::uint8_t> make_query(std::string_view name, std::uint16_t type,
                                     const QueryOptions& o) {
    std::vector<std::uint8_t> q;
    put16(q, o.id);
    put16(q, o.flags);
    put16(q, 1);
    put16(q, 0);
    put16(q, 0);
    put16(q, o.edns_size >= 0 ? static_cast<unsigned>(o.opt_records) : 0u);
    auto n = wire::Name::from_text(name);
    q.insert(q.end(), n->wire().begin(), n->wire().end());
    put16(q, type);
    put16(q, o.qclass);
    for (int i = 0; o.edns_size >= 0 && i < o.opt_records; ++i) {
        q.push_back(0);
        put16(q, 41);
        put16(q, static_cast<unsigned>(o.edns_size));
        put16(q, o.edns_version);
        put16(q, o.edns_flags);
        put16(q, 0);
    }
    return q;
}

Reply decode(std::span<const std::uint8_t> message) {
    Reply out;
    wire::WireReader r{message};
    out.id = r.u16();
    out.flags = r.u16();
    const unsigned counts[4] = {r.u16(), r.u16(), r.u16(), r.u16()};
    out.rcode = out.flags & 0xfu;
    if (counts[0] == 1) {
        out.qname = read_name_text(r);
        r.skip(4);
    }
    std::vector<Rr>* sections[3] = {&out.answer, &out.authority, &out.additional};
    for (int s = 0; s < 3; ++s) {
        for (unsigned i = 0; i < counts[s + 1]; ++i) {
            Rr rr;
            rr.owner = read_name_text(r);
            rr.type = r.u16();
            const auto rclass = r.u16();
            rr.ttl = r.u32();
            const auto len = r.u16();
            const std::size_t start = r.pos();
            r.skip(len);
            if (!r.ok()) return out;
            if (rr.type == 41) {
                out.has_opt = true;
                out.opt_udp_size = rclass;
                out.opt_ttl = rr.ttl;
                out.rcode |= (rr.ttl >> 24) << 4;
                continue;
            }
            rr.data = rdata_text(message, start, rr.type, len);
            sections[s]->push_back(rr);
        }
    }
    out.parsed = r.ok() && r.remaining() == 0;
    return out;
}

} // namespace phx::test

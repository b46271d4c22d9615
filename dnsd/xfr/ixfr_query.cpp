// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the IXFR query's SOA, over the bounds-checked reader.
#include "dnsd/xfr/ixfr_query.hpp"

#include "dnsd/wire/reader.hpp"

namespace phx::dns::xfr {

std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> message,
                                                const ParsedQuery& query) noexcept {
    wire::WireReader r{message};
    r.skip(4);
    const std::uint16_t qdcount = r.u16();
    const std::uint16_t ancount = r.u16();
    const std::uint16_t nscount = r.u16();
    r.skip(2);
    if (qdcount != 1 || nscount == 0) return std::nullopt;
    wire::Name name;
    wire::read_name(r, name);
    r.skip(4);
    for (std::uint16_t i = 0; i < ancount && r.ok(); ++i) {
        wire::read_name(r, name);
        r.skip(8);
        r.skip(r.u16());
    }
    wire::read_name(r, name);
    const auto type = RrType{r.u16()};
    r.skip(6);
    const std::uint16_t rdlength = r.u16();
    const std::size_t rdata_end = r.pos() + rdlength;
    wire::Name mname, rname;
    wire::read_name(r, mname);
    wire::read_name(r, rname);
    const std::uint32_t serial = r.u32();
    r.skip(16);
    name.to_lower();
    if (!r.ok() || r.pos() != rdata_end || type != RrType::soa || !(name == query.qname_lower))
        return std::nullopt;
    return serial;
}

} // namespace phx::dns::xfr

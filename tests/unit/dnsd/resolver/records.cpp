// SPDX-License-Identifier: GPL-3.0-or-later
// Resolver test helpers (see records.hpp).
#include "unit/dnsd/resolver/records.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"
#include "unit/dnsd/message_util.hpp"

#include <cstdlib>
#include <doctest/doctest.h>

namespace phx::test {

using namespace phx::dns;
using resolver::StoredRr;

std::string wire_name(std::string_view text) {
    const auto name = wire::Name::from_text(text);
    REQUIRE(name);
    return std::string{name->view()};
}

StoredRr name_rr(std::string_view owner, RrType type, std::uint32_t ttl, std::string_view target) {
    return {wire_name(owner), type, 1, ttl, wire_name(target)};
}

StoredRr a_rr(std::string_view owner, std::uint32_t ttl, std::uint8_t last_octet) {
    return {wire_name(owner), RrType::a, 1, ttl, std::string{"\x06\x06\x06", 3} + char(last_octet)};
}

StoredRr soa_rr(std::string_view owner, std::uint32_t ttl, std::uint32_t minimum) {
    std::string rdata =
        wire_name("ns." + std::string{owner}) + wire_name("host." + std::string{owner});
    rdata.append(16, '\0'); // serial, refresh, retry, expire
    for (int shift = 24; shift >= 0; shift -= 8) rdata += static_cast<char>(minimum >> shift);
    return {wire_name(owner), RrType::soa, 1, ttl, rdata};
}

StoredRr rrsig_rr(std::string_view owner, RrType covered) {
    std::string rdata(18, '\0');
    rdata[0] = static_cast<char>(to_u16(covered) >> 8);
    rdata[1] = static_cast<char>(to_u16(covered) & 0xff);
    return {wire_name(owner), RrType::rrsig, 1, 300, rdata + wire_name(owner) + "sig"};
}

std::vector<std::string> summary(const std::vector<StoredRr>& rrs) {
    std::vector<std::string> out;
    for (const auto& rr : rrs) {
        auto name = *wire::Name::from_wire(wire::bytes_of(rr.owner));
        name.to_lower();
        out.push_back(name.to_text() + " " + type_name(rr.type));
    }
    return out;
}

std::shared_ptr<const ZoneSet> our_zones() {
    static const auto zones = [] {
        Diagnostics d;
        auto zone = load_zone_text("$TTL 300\n@ SOA ns1 hostmaster 1 3600 900 1209600 300\n"
                                   "@ NS ns1\nns1 A 10.0.0.13\ntraefik A 10.0.0.153\n",
                                   "internal.thinkheads.ai.", "ours.zone", d);
        REQUIRE(zone);
        return std::make_shared<const ZoneSet>(std::vector<std::shared_ptr<const Zone>>{zone});
    }();
    return zones;
}

ParsedQuery parsed_query(std::string_view name, RrType type) {
    const auto bytes = make_query(name, to_u16(type), {.flags = flag::rd});
    ParsedQuery q;
    REQUIRE(parse_query(bytes, q) == QueryVerdict::ok);
    return q;
}

} // namespace phx::test

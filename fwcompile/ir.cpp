// SPDX-License-Identifier: GPL-3.0-or-later
// IR vocabulary: type and field tables, values from addresses and ports.
#include "fwcompile/ir.hpp"

#include <algorithm>
#include <cassert>

namespace phx::fw::ir {

std::string_view to_string(Family family) {
    return family == Family::bridge ? "bridge" : "inet";
}

std::string_view to_string(Hook hook) {
    switch (hook) {
    case Hook::input:
        return "input";
    case Hook::forward:
        return "forward";
    case Hook::output:
        return "output";
    case Hook::prerouting:
        return "prerouting";
    }
    return "input";
}

// Datatype numbers from nftables' enum datatypes (src/datatype.h); the kernel
// stores them opaquely and nft reads them back to print `type ...`.
const TypeInfo& info(Type type) {
    static constexpr TypeInfo kTypes[] = {
        {"ipv4_addr", 7, 4},     {"ipv6_addr", 8, 16},   {"inet_proto", 12, 1},
        {"inet_service", 13, 2}, {"icmpv6_type", 29, 1}, {"ifname", 41, 16},
        {"ether_addr", 9, 6},
    };
    return kTypes[static_cast<std::size_t>(type)];
}

const FieldInfo& info(Field field) {
    static constexpr FieldInfo kFields[] = {
        {"ip saddr", Type::ipv4_addr},      {"ip daddr", Type::ipv4_addr},
        {"ip6 saddr", Type::ipv6_addr},     {"ip6 daddr", Type::ipv6_addr},
        {"meta l4proto", Type::inet_proto}, {"th dport", Type::inet_service},
        {"icmpv6 type", Type::icmpv6_type}, {"th sport", Type::inet_service},
        {"iifname", Type::ifname},          {"oifname", Type::ifname},
        {"ether saddr", Type::ether_addr},  {"arp saddr ip", Type::ipv4_addr},
    };
    return kFields[static_cast<std::size_t>(field)];
}

Interval interval_of(const Cidr& cidr) {
    Interval out;
    if (cidr.is_host()) { // most addresses in a policy are single hosts
        std::copy_n(cidr.address.bytes.begin(), cidr.address.size(), out.lo.bytes.begin());
        out.hi = out.lo;
        return out;
    }
    const IpAddress lo = cidr.network();
    const IpAddress hi = cidr.broadcast();
    for (std::size_t i = 0; i < lo.size(); ++i) {
        out.lo.bytes[i] = lo.bytes[i];
        out.hi.bytes[i] = hi.bytes[i];
    }
    return out;
}

Interval interval_of(const PortRange& ports) {
    Interval out;
    out.lo.bytes = {static_cast<std::uint8_t>(ports.first >> 8),
                    static_cast<std::uint8_t>(ports.first & 0xff)};
    out.hi.bytes = {static_cast<std::uint8_t>(ports.last >> 8),
                    static_cast<std::uint8_t>(ports.last & 0xff)};
    return out;
}

Interval interval_of_byte(std::uint8_t value) {
    Interval out;
    out.lo.bytes[0] = value;
    out.hi.bytes[0] = value;
    return out;
}

Interval interval_of_name(std::string_view name) {
    Interval out;
    assert(name.size() < out.lo.bytes.size());
    std::copy(name.begin(), name.end(), out.lo.bytes.begin());
    out.hi = out.lo;
    return out;
}

Interval interval_of_mac(const std::array<std::uint8_t, 6>& mac) {
    Interval out;
    std::copy(mac.begin(), mac.end(), out.lo.bytes.begin());
    out.hi = out.lo;
    return out;
}

namespace {

bool bit(const Value& v, unsigned i) {
    return (v.bytes[i / 8] >> (7 - i % 8)) & 1u;
}

} // namespace

int prefix_length(const Interval& interval, unsigned bits) {
    assert(bits <= 128);
    unsigned common = 0;
    while (common < bits && bit(interval.lo, common) == bit(interval.hi, common)) ++common;
    for (unsigned i = common; i < bits; ++i)
        if (bit(interval.lo, i) || !bit(interval.hi, i)) return -1;
    return static_cast<int>(common);
}

std::uint32_t declared_size(const Set& set) {
    if (!set.anonymous && set.interval) return 0;
    return static_cast<std::uint32_t>(set.elements.size());
}

const Set* Table::find_set(std::string_view set_name) const {
    for (const auto& set : sets)
        if (set.name == set_name) return &set;
    return nullptr;
}

const Table* Ruleset::find(Family family) const {
    for (const auto& table : tables)
        if (table.family == family) return &table;
    return nullptr;
}

Table* Ruleset::find(Family family) {
    for (auto& table : tables)
        if (table.family == family) return &table;
    return nullptr;
}

const SourcePos* Table::origin(OriginId id) const {
    if (id == kNoOrigin || id >= origins.size()) return nullptr;
    return &origins[id];
}

} // namespace phx::fw::ir

// SPDX-License-Identifier: GPL-3.0-or-later
// Values as nft 1.0 prints them: addresses with prefixes or ranges, protocol
// and ICMPv6 type names, ports as numbers.
#include "fwcompile/nft_text.hpp"

#include <cstring>
#include <fmt/format.h>
#include <string_view>
#include <utility>

namespace phx::fw {
namespace {

IpAddress address_of(const ir::Value& value, IpFamily family) {
    IpAddress a;
    a.family = family;
    std::memcpy(a.bytes.data(), value.bytes.data(), a.size());
    return a;
}

std::string address_text(const ir::Interval& value, IpFamily family) {
    const IpAddress lo = address_of(value.lo, family);
    const unsigned bits = lo.max_prefix();
    const int prefix = ir::prefix_length(value, bits);
    if (prefix == static_cast<int>(bits)) return lo.to_string();
    if (prefix >= 0) return fmt::format("{}/{}", lo.to_string(), prefix);
    return fmt::format("{}-{}", lo.to_string(), address_of(value.hi, family).to_string());
}

std::string protocol_name(std::uint8_t number) {
    switch (number) {
    case 1:
        return "icmp";
    case 6:
        return "tcp";
    case 17:
        return "udp";
    case 58:
        return "ipv6-icmp";
    default:
        return std::to_string(number);
    }
}

// nft's icmp6_type_tbl names.
std::string icmpv6_type_name(std::uint8_t type) {
    static constexpr std::pair<std::uint8_t, std::string_view> kNames[] = {
        {1, "destination-unreachable"}, {2, "packet-too-big"},        {3, "time-exceeded"},
        {4, "parameter-problem"},       {128, "echo-request"},        {129, "echo-reply"},
        {130, "mld-listener-query"},    {131, "mld-listener-report"}, {132, "mld-listener-done"},
        {133, "nd-router-solicit"},     {134, "nd-router-advert"},    {135, "nd-neighbor-solicit"},
        {136, "nd-neighbor-advert"},    {137, "nd-redirect"},         {138, "router-renumbering"},
        {141, "ind-neighbor-solicit"},  {142, "ind-neighbor-advert"}, {143, "mld2-listener-report"},
    };
    for (const auto& [number, name] : kNames)
        if (number == type) return std::string{name};
    return std::to_string(type);
}

unsigned port_of(const ir::Value& value) {
    return static_cast<unsigned>(value.bytes[0] << 8 | value.bytes[1]);
}

template <typename Print>
std::string scalar_text(const ir::Interval& value, Print print) {
    if (value.point()) return print(value.lo);
    return fmt::format("{}-{}", print(value.lo), print(value.hi));
}

std::string name_text(const ir::Value& value) {
    const auto* chars = reinterpret_cast<const char*>(value.bytes.data());
    return fmt::format("\"{}\"", std::string_view{chars, strnlen(chars, value.bytes.size())});
}

std::string mac_text(const ir::Value& value) {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", value.bytes[0], value.bytes[1],
                       value.bytes[2], value.bytes[3], value.bytes[4], value.bytes[5]);
}

} // namespace

std::string value_text(ir::Type type, const ir::Interval& value) {
    switch (type) {
    case ir::Type::ipv4_addr:
        return address_text(value, IpFamily::v4);
    case ir::Type::ipv6_addr:
        return address_text(value, IpFamily::v6);
    case ir::Type::inet_proto:
        return scalar_text(value, [](const ir::Value& v) { return protocol_name(v.bytes[0]); });
    case ir::Type::inet_service:
        return scalar_text(value, [](const ir::Value& v) { return std::to_string(port_of(v)); });
    case ir::Type::icmpv6_type:
        return scalar_text(value, [](const ir::Value& v) { return icmpv6_type_name(v.bytes[0]); });
    case ir::Type::ifname:
        return scalar_text(value, name_text);
    case ir::Type::ether_addr:
        return scalar_text(value, mac_text);
    }
    return {};
}

} // namespace phx::fw

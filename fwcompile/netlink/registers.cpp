// SPDX-License-Identifier: GPL-3.0-or-later
// Field locations and register numbering; see registers.hpp.
#include "fwcompile/netlink/registers.hpp"

#include <linux/netfilter.h>
#include <stdexcept>

namespace phx::fw::netlink {

const PayloadField& payload_field(ir::Field field) {
    // IPv4: saddr at 12, daddr at 16 (RFC 791); IPv6: at 8 and 24 (RFC 8200);
    // ports at 2 of TCP and UDP; the ICMPv6 type is the first byte.
    static constexpr PayloadField kIpSaddr{NFT_PAYLOAD_NETWORK_HEADER, 12};
    static constexpr PayloadField kIpDaddr{NFT_PAYLOAD_NETWORK_HEADER, 16};
    static constexpr PayloadField kIp6Saddr{NFT_PAYLOAD_NETWORK_HEADER, 8};
    static constexpr PayloadField kIp6Daddr{NFT_PAYLOAD_NETWORK_HEADER, 24};
    static constexpr PayloadField kDport{NFT_PAYLOAD_TRANSPORT_HEADER, 2};
    static constexpr PayloadField kIcmpv6Type{NFT_PAYLOAD_TRANSPORT_HEADER, 0};
    switch (field) {
    case ir::Field::ip_saddr:
        return kIpSaddr;
    case ir::Field::ip_daddr:
        return kIpDaddr;
    case ir::Field::ip6_saddr:
        return kIp6Saddr;
    case ir::Field::ip6_daddr:
        return kIp6Daddr;
    case ir::Field::th_dport:
        return kDport;
    case ir::Field::icmpv6_type:
        return kIcmpv6Type;
    case ir::Field::l4proto:
        break;
    }
    throw std::logic_error("meta l4proto is not a payload field");
}

std::optional<ir::Field> field_at(std::uint32_t base, std::uint32_t offset, std::uint8_t nfproto) {
    if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
        if (offset == 2) return ir::Field::th_dport;
        if (offset == 0 && nfproto == NFPROTO_IPV6) return ir::Field::icmpv6_type;
        return std::nullopt;
    }
    if (base != NFT_PAYLOAD_NETWORK_HEADER) return std::nullopt;
    if (nfproto == NFPROTO_IPV4 && offset == 12) return ir::Field::ip_saddr;
    if (nfproto == NFPROTO_IPV4 && offset == 16) return ir::Field::ip_daddr;
    if (nfproto == NFPROTO_IPV6 && offset == 8) return ir::Field::ip6_saddr;
    if (nfproto == NFPROTO_IPV6 && offset == 24) return ir::Field::ip6_daddr;
    return std::nullopt;
}

std::uint32_t register_for_slot(std::uint32_t slot) {
    if (slot % 4 == 0) return NFT_REG_1 + slot / 4;
    return NFT_REG32_00 + slot;
}

std::optional<std::uint32_t> slot_of_register(std::uint32_t reg) {
    if (reg >= NFT_REG_1 && reg <= NFT_REG_4) return (reg - NFT_REG_1) * 4;
    if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15) return reg - NFT_REG32_00;
    return std::nullopt;
}

} // namespace phx::fw::netlink

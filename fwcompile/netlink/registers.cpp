// SPDX-License-Identifier: GPL-3.0-or-later
// Field locations and register numbering; see registers.hpp.
#include "fwcompile/netlink/registers.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <stdexcept>

namespace phx::fw::netlink {

std::optional<std::uint32_t> meta_key(ir::Field field) {
    switch (field) {
    case ir::Field::l4proto:
        return NFT_META_L4PROTO;
    case ir::Field::iifname:
        return NFT_META_IIFNAME;
    case ir::Field::oifname:
        return NFT_META_OIFNAME;
    default:
        return std::nullopt;
    }
}

std::optional<ir::Field> meta_field(std::uint32_t key) {
    for (const auto field : {ir::Field::l4proto, ir::Field::iifname, ir::Field::oifname})
        if (meta_key(field) == key) return field;
    return std::nullopt;
}

const PayloadField& payload_field(ir::Field field) {
    // IPv4: saddr at 12, daddr at 16 (RFC 791); IPv6: at 8 and 24 (RFC 8200);
    // ports at 0 and 2 of TCP and UDP; the ICMPv6 type is the first byte;
    // Ethernet: the source at 6; ARP over Ethernet for IPv4: the sender's
    // protocol address at 14 (RFC 826).
    static constexpr PayloadField kIpSaddr{NFT_PAYLOAD_NETWORK_HEADER, 12};
    static constexpr PayloadField kIpDaddr{NFT_PAYLOAD_NETWORK_HEADER, 16};
    static constexpr PayloadField kIp6Saddr{NFT_PAYLOAD_NETWORK_HEADER, 8};
    static constexpr PayloadField kIp6Daddr{NFT_PAYLOAD_NETWORK_HEADER, 24};
    static constexpr PayloadField kSport{NFT_PAYLOAD_TRANSPORT_HEADER, 0};
    static constexpr PayloadField kDport{NFT_PAYLOAD_TRANSPORT_HEADER, 2};
    static constexpr PayloadField kIcmpv6Type{NFT_PAYLOAD_TRANSPORT_HEADER, 0};
    static constexpr PayloadField kEtherSaddr{NFT_PAYLOAD_LL_HEADER, 6};
    static constexpr PayloadField kArpSpa{NFT_PAYLOAD_NETWORK_HEADER, 14};
    switch (field) {
    case ir::Field::ip_saddr:
        return kIpSaddr;
    case ir::Field::ip_daddr:
        return kIpDaddr;
    case ir::Field::ip6_saddr:
        return kIp6Saddr;
    case ir::Field::ip6_daddr:
        return kIp6Daddr;
    case ir::Field::th_sport:
        return kSport;
    case ir::Field::th_dport:
        return kDport;
    case ir::Field::icmpv6_type:
        return kIcmpv6Type;
    case ir::Field::ether_saddr:
        return kEtherSaddr;
    case ir::Field::arp_spa:
        return kArpSpa;
    case ir::Field::l4proto:
    case ir::Field::iifname:
    case ir::Field::oifname:
        break;
    }
    throw std::logic_error("a meta field has no payload location");
}

Layer3 layer3_of_nfproto(std::uint8_t nfproto) {
    if (nfproto == NFPROTO_IPV4) return Layer3::ipv4;
    if (nfproto == NFPROTO_IPV6) return Layer3::ipv6;
    return Layer3::unknown;
}

Layer3 layer3_of_ethertype(std::uint16_t ethertype_be) {
    switch (ntohs(ethertype_be)) {
    case ETH_P_IP:
        return Layer3::ipv4;
    case ETH_P_IPV6:
        return Layer3::ipv6;
    case ETH_P_ARP:
        return Layer3::arp;
    default:
        return Layer3::unknown;
    }
}

std::optional<ir::Field> field_at(std::uint32_t base, std::uint32_t offset, std::uint32_t length,
                                  Layer3 layer3) {
    if (base == NFT_PAYLOAD_TRANSPORT_HEADER) {
        if (offset == 2) return ir::Field::th_dport;
        if (offset == 0 && length == 1 && layer3 == Layer3::ipv6) return ir::Field::icmpv6_type;
        if (offset == 0 && length == 2) return ir::Field::th_sport;
        return std::nullopt;
    }
    if (base == NFT_PAYLOAD_LL_HEADER) {
        if (offset == 6) return ir::Field::ether_saddr;
        return std::nullopt;
    }
    if (base != NFT_PAYLOAD_NETWORK_HEADER) return std::nullopt;
    if (layer3 == Layer3::ipv4 && offset == 12) return ir::Field::ip_saddr;
    if (layer3 == Layer3::ipv4 && offset == 16) return ir::Field::ip_daddr;
    if (layer3 == Layer3::ipv6 && offset == 8) return ir::Field::ip6_saddr;
    if (layer3 == Layer3::ipv6 && offset == 24) return ir::Field::ip6_daddr;
    if (layer3 == Layer3::arp && offset == 14) return ir::Field::arp_spa;
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

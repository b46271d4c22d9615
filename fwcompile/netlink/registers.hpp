// SPDX-License-Identifier: GPL-3.0-or-later
// Where packet fields live (payload base and offset) and how nf_tables
// numbers its registers; shared by the encoder and the decoder so both
// agree on every constant.
#pragma once

#include "fwcompile/ir.hpp"

#include <cstdint>
#include <linux/netfilter/nf_tables.h>
#include <optional>

namespace phx::fw::netlink {

struct PayloadField {
    std::uint32_t base;   // NFT_PAYLOAD_LL_, _NETWORK_ or _TRANSPORT_HEADER
    std::uint32_t offset; // bytes into that header
};

// The meta key of a field the kernel keeps beside the packet (l4proto and
// the interface names); nullopt for packet payload.
[[nodiscard]] std::optional<std::uint32_t> meta_key(ir::Field field);
// The field a meta key loads, if phx-fw uses it.
[[nodiscard]] std::optional<ir::Field> meta_field(std::uint32_t key);

// The payload location of every other field.
[[nodiscard]] const PayloadField& payload_field(ir::Field field);

// Which network header a rule's payload offsets refer to: nft makes every
// rule that reads one depend on the protocol first (meta nfproto in the inet
// family, meta protocol or the Ethernet type in the bridge family).
enum class Layer3 : std::uint8_t { unknown, ipv4, ipv6, arp };
// From an nfproto value or an Ethernet type (network byte order).
[[nodiscard]] Layer3 layer3_of_nfproto(std::uint8_t nfproto);
[[nodiscard]] Layer3 layer3_of_ethertype(std::uint16_t ethertype_be);

// The field at a payload location of `length` bytes, if phx-fw uses it.
[[nodiscard]] std::optional<ir::Field> field_at(std::uint32_t base, std::uint32_t offset,
                                                std::uint32_t length, Layer3 layer3);

// Registers count in 32-bit slots; nft names a slot that starts a 128-bit
// register by that register (NFT_REG_1..4), every other by NFT_REG32_xx.
[[nodiscard]] std::uint32_t register_for_slot(std::uint32_t slot);
// The slot a register number starts at; nullopt for the verdict register.
[[nodiscard]] std::optional<std::uint32_t> slot_of_register(std::uint32_t reg);

// Reject codes: ICMP port unreachable (RFC 792) and ICMPv6 port unreachable (RFC 4443).
inline constexpr std::uint8_t kIcmpPortUnreachable = 3;
inline constexpr std::uint8_t kIcmpv6PortUnreachable = 4;

} // namespace phx::fw::netlink

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
    std::uint32_t base;   // NFT_PAYLOAD_NETWORK_HEADER or _TRANSPORT_HEADER
    std::uint32_t offset; // bytes into that header
};

// The payload location of every field except l4proto (a meta key).
[[nodiscard]] const PayloadField& payload_field(ir::Field field);
// The field at a payload location, if phx-fw uses it; nfproto says which of
// the IPv4 and IPv6 layouts applies.
[[nodiscard]] std::optional<ir::Field> field_at(std::uint32_t base, std::uint32_t offset,
                                                std::uint8_t nfproto);

// Registers count in 32-bit slots; nft names a slot that starts a 128-bit
// register by that register (NFT_REG_1..4), every other by NFT_REG32_xx.
[[nodiscard]] std::uint32_t register_for_slot(std::uint32_t slot);
// The slot a register number starts at; nullopt for the verdict register.
[[nodiscard]] std::optional<std::uint32_t> slot_of_register(std::uint32_t reg);

// Reject codes: ICMP port unreachable (RFC 792) and ICMPv6 port unreachable (RFC 4443).
inline constexpr std::uint8_t kIcmpPortUnreachable = 3;
inline constexpr std::uint8_t kIcmpv6PortUnreachable = 4;

} // namespace phx::fw::netlink

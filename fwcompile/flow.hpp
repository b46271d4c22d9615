// SPDX-License-Identifier: GPL-3.0-or-later
// Set relations between flows and packets: which packets a flow matches,
// whether one flow covers another. Used by the linter, by placement and by
// explain, so all three agree on what a row means.
#pragma once

#include "fwcompile/model.hpp"

#include <cstdint>
#include <string>

namespace phx::fw {

// One new connection, as explain asks about it.
struct Packet {
    IpAddress source;
    IpAddress destination;
    Protocol protocol = Protocol::tcp; // never Protocol::any
    std::uint16_t port = 0;            // destination port for tcp and udp
};

[[nodiscard]] bool contains(const AddressList& list, const IpAddress& address);
// Every address of `inner` is in `outer` (checked entry by entry).
[[nodiscard]] bool contains(const AddressList& outer, const AddressList& inner);
// The list is exactly this one address.
[[nodiscard]] bool is_only(const AddressList& list, const IpAddress& address);

[[nodiscard]] bool contains(const PortList& list, std::uint16_t port);
[[nodiscard]] bool contains(const PortList& outer, const PortList& inner);

[[nodiscard]] bool matches(const Flow& flow, const Packet& packet);
// Every packet `inner` matches, `outer` matches too.
[[nodiscard]] bool covers(const Flow& outer, const Flow& inner);

// "10.0.0.153 -> 10.0.0.12 tcp/80"
[[nodiscard]] std::string to_string(const Packet& packet);

} // namespace phx::fw

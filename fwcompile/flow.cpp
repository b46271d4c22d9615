// SPDX-License-Identifier: GPL-3.0-or-later
// Flow and packet relations; see flow.hpp.
#include "fwcompile/flow.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <span>

namespace phx::fw {

bool contains(const AddressList& list, const IpAddress& address) {
    if (list.any()) return true;
    return std::any_of(list.items.begin(), list.items.end(),
                       [&](const Address& a) { return a.cidr.contains(address); });
}

bool contains(const AddressList& outer, const AddressList& inner) {
    if (outer.any()) return true;
    if (inner.any()) return false; // "any" also holds the other address family
    return std::all_of(inner.items.begin(), inner.items.end(), [&](const Address& in) {
        return std::any_of(outer.items.begin(), outer.items.end(),
                           [&](const Address& out) { return out.cidr.contains(in.cidr); });
    });
}

bool is_only(const AddressList& list, const IpAddress& address) {
    if (list.any()) return false;
    return std::all_of(list.items.begin(), list.items.end(), [&](const Address& a) {
        return a.cidr.is_host() && a.cidr.address == address;
    });
}

bool contains(const PortList& list, std::uint16_t port) {
    if (list.any()) return true;
    return std::any_of(list.ranges.begin(), list.ranges.end(),
                       [&](const PortRange& r) { return r.contains(port); });
}

bool contains(const PortList& outer, const PortList& inner) {
    if (outer.any()) return true;
    static constexpr PortRange kEverything{0, 65535};
    const std::span<const PortRange> ranges =
        inner.any() ? std::span<const PortRange>{&kEverything, 1} : inner.ranges;
    return std::all_of(ranges.begin(), ranges.end(), [&](const PortRange& in) {
        return std::any_of(outer.ranges.begin(), outer.ranges.end(), [&](const PortRange& out) {
            return out.first <= in.first && in.last <= out.last;
        });
    });
}

bool matches(const Flow& flow, const Packet& packet) {
    if (flow.protocol != Protocol::any && flow.protocol != packet.protocol) return false;
    if (!contains(flow.source, packet.source) || !contains(flow.destination, packet.destination))
        return false;
    if (packet.source.family != packet.destination.family) return false;
    return flow.ports.any() || contains(flow.ports, packet.port);
}

bool covers(const Flow& outer, const Flow& inner) {
    if (outer.protocol != Protocol::any && outer.protocol != inner.protocol) return false;
    if (!contains(outer.source, inner.source) || !contains(outer.destination, inner.destination))
        return false;
    // A family-bound flow never covers one that matches both families.
    if (outer.family() && !inner.family()) return false;
    return contains(outer.ports, inner.ports);
}

std::string to_string(const Packet& packet) {
    const std::string proto{fw::to_string(packet.protocol)};
    const bool has_port = packet.protocol == Protocol::tcp || packet.protocol == Protocol::udp;
    return fmt::format("{} -> {} {}{}", packet.source.to_string(), packet.destination.to_string(),
                       proto, has_port ? fmt::format("/{}", packet.port) : std::string{});
}

} // namespace phx::fw

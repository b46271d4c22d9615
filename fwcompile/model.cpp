// SPDX-License-Identifier: GPL-3.0-or-later
// Look-ups in the inventory and names of the rule vocabulary.
#include "fwcompile/model.hpp"

#include <fmt/format.h>
#include <netinet/in.h>

namespace phx::fw {

std::optional<HostIndex> Inventory::find_by_address(const IpAddress& a) const {
    for (std::size_t i = 0; i < hosts.size(); ++i)
        if (hosts[i].address == a) return static_cast<HostIndex>(i);
    return std::nullopt;
}

std::optional<HostIndex> Inventory::find_by_name(std::string_view name) const {
    for (std::size_t i = 0; i < hosts.size(); ++i)
        if (hosts[i].name == name) return static_cast<HostIndex>(i);
    return std::nullopt;
}

std::optional<HostIndex> Inventory::find_by_id(std::uint32_t id) const {
    for (std::size_t i = 0; i < hosts.size(); ++i)
        if (hosts[i].id == id) return static_cast<HostIndex>(i);
    return std::nullopt;
}

std::optional<HostIndex> Inventory::find(std::string_view reference) const {
    if (auto by_name = find_by_name(reference)) return by_name;
    if (auto id = parse_uint(reference, UINT32_MAX)) return find_by_id(*id);
    if (auto address = IpAddress::parse(reference)) return find_by_address(*address);
    return std::nullopt;
}

std::string Inventory::describe(HostIndex h) const {
    const Host& host = hosts.at(h);
    return fmt::format("{} ({})", host.name, host.address.to_string());
}

std::string_view to_string(Direction d) {
    return d == Direction::in ? "in" : "out";
}

std::string_view to_string(Action a) {
    switch (a) {
    case Action::accept:
        return "accept";
    case Action::drop:
        return "drop";
    case Action::reject:
        return "reject";
    }
    return "drop";
}

std::string_view to_string(Protocol p) {
    switch (p) {
    case Protocol::any:
        return "any";
    case Protocol::tcp:
        return "tcp";
    case Protocol::udp:
        return "udp";
    case Protocol::icmp:
        return "icmp";
    case Protocol::icmpv6:
        return "icmpv6";
    }
    return "any";
}

std::uint8_t ip_protocol_number(Protocol p) {
    switch (p) {
    case Protocol::any:
        return 0;
    case Protocol::tcp:
        return IPPROTO_TCP;
    case Protocol::udp:
        return IPPROTO_UDP;
    case Protocol::icmp:
        return IPPROTO_ICMP;
    case Protocol::icmpv6:
        return IPPROTO_ICMPV6;
    }
    return 0;
}

std::optional<IpFamily> Flow::family() const {
    if (!source.any()) return source.items.front().cidr.address.family;
    if (!destination.any()) return destination.items.front().cidr.address.family;
    return std::nullopt;
}

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// Look-ups in the inventory; see inventory.hpp.
#include "common/inventory/inventory.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace phx::inventory {

namespace {

std::size_t name_hash(std::string_view name) {
    return std::hash<std::string_view>{}(name);
}

// Proxmox ids are consecutive numbers: mixed, they spread over the table.
std::size_t id_hash(std::uint32_t id) {
    return static_cast<std::size_t>(id * 0x9E3779B97F4A7C15ull >> 16);
}

std::size_t address_hash(const IpAddress& a) {
    const std::string_view bytes{reinterpret_cast<const char*>(a.bytes.data()), a.size()};
    return std::hash<std::string_view>{}(bytes);
}

} // namespace

void Inventory::Index::insert(std::size_t hash, HostIndex host) {
    if (2 * (used_ + 1) > slots_.size()) {
        std::vector<Slot> old(std::max<std::size_t>(16, 2 * slots_.size()));
        old.swap(slots_);
        used_ = 0;
        for (const Slot& slot : old)
            if (slot.host) insert(slot.hash, *slot.host);
    }
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i].host) i = (i + 1) & mask;
    slots_[i] = {hash, host};
    ++used_;
}

template <typename Matches>
std::optional<HostIndex> Inventory::Index::find(std::size_t hash, Matches matches) const {
    if (slots_.empty()) return std::nullopt;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask; slots_[i].host; i = (i + 1) & mask)
        if (slots_[i].hash == hash && matches(*slots_[i].host)) return slots_[i].host;
    return std::nullopt;
}

void Inventory::add(Host host) {
    const auto index = static_cast<HostIndex>(hosts.size());
    by_name_.insert(name_hash(host.name), index);
    if (host.id) by_id_.insert(id_hash(*host.id), index);
    by_address_.insert(address_hash(host.address), index);
    hosts.push_back(std::move(host));
}

std::optional<HostIndex> Inventory::find_by_address(const IpAddress& a) const {
    return by_address_.find(address_hash(a), [&](HostIndex h) { return hosts[h].address == a; });
}

std::optional<HostIndex> Inventory::find_by_name(std::string_view name) const {
    return by_name_.find(name_hash(name), [&](HostIndex h) { return hosts[h].name == name; });
}

std::optional<HostIndex> Inventory::find_by_id(std::uint32_t id) const {
    return by_id_.find(id_hash(id), [&](HostIndex h) { return hosts[h].id == id; });
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

const Cidr* Inventory::network(IpFamily family) const {
    for (const auto& n : networks)
        if (n.address.family == family) return &n;
    return nullptr;
}

bool Inventory::in_network(const IpAddress& a) const {
    return std::any_of(networks.begin(), networks.end(),
                       [&](const Cidr& n) { return n.contains(a); });
}

std::string Inventory::bridge_list() const {
    return fmt::format("{}", fmt::join(bridges, ", "));
}

const ClusterNode* Inventory::find_node(const IpAddress& a) const {
    const auto it = std::find_if(nodes.begin(), nodes.end(),
                                 [&](const ClusterNode& node) { return node.address == a; });
    return it == nodes.end() ? nullptr : &*it;
}

std::string default_port(HostKind kind, std::uint32_t id) {
    return fmt::format("{}{}i0", kind == HostKind::vm ? "tap" : "veth", id);
}

std::optional<MacAddress> parse_mac(std::string_view text) {
    MacAddress mac{};
    if (text.size() != 17) return std::nullopt;
    for (std::size_t i = 0; i < mac.size(); ++i) {
        if (i > 0 && text[3 * i - 1] != ':') return std::nullopt;
        unsigned value = 0;
        for (const char c : text.substr(3 * i, 2)) {
            const int digit = c >= '0' && c <= '9'   ? c - '0'
                              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                     : -1;
            if (digit < 0) return std::nullopt;
            value = value * 16 + static_cast<unsigned>(digit);
        }
        mac[i] = static_cast<std::uint8_t>(value);
    }
    return mac;
}

std::string to_string(const MacAddress& mac) {
    return fmt::format("{:02x}", fmt::join(mac, ":"));
}

} // namespace phx::inventory

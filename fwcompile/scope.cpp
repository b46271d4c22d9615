// SPDX-License-Identifier: GPL-3.0-or-later
// Applying a row's scope; see scope.hpp for the rules.
#include "fwcompile/scope.hpp"

#include "fwcompile/flow.hpp"

#include <fmt/format.h>
#include <iterator>

namespace phx::fw {

std::optional<HostIndex> pinned_host(const Row& row) {
    if (row.scope) return row.scope;
    if (row.direction == Direction::out) return kHypervisor;
    return std::nullopt;
}

// Narrowed in place, in the row: a large policy has 50,000 rows, and a
// flow built aside and then moved in is copied address by address (its
// lists keep their items inline).
void apply_scope(Row& row, const Inventory& inventory, std::span<const TextView> host_names) {
    const auto host = pinned_host(row);
    if (!host) {
        row.scoping = Scoping::as_written;
        return;
    }
    // The side the scope pins, narrowed to the one host.
    const bool out = row.direction == Direction::out;
    AddressList& side = out ? row.flow.source : row.flow.destination;
    const AddressList& other = out ? row.flow.destination : row.flow.source;
    const Host& pinned = inventory.hosts[*host];
    // A packet is IPv4 or IPv6: the other side (one family, as the loader
    // checked) must be of the host's.
    if (!contains(side, pinned.address) ||
        (!other.any() && other.items.front().cidr.address.family != pinned.address.family)) {
        row.scoping = Scoping::never_matches;
        return;
    }
    const bool from_scope = side.any();
    row.written_side.assign(std::make_move_iterator(side.items.begin()),
                            std::make_move_iterator(side.items.end()));
    side.items.clear();
    side.items.push_back(
        {Cidr::host(pinned.address), *host, row.scope_at, host_names[*host], from_scope});
    row.scoping = Scoping::narrowed;
}

std::vector<TextView> keep_host_names(const Inventory& inventory, TextArena& texts) {
    std::vector<TextView> names;
    names.reserve(inventory.hosts.size());
    for (const Host& host : inventory.hosts) names.push_back(texts.keep(host.name));
    return names;
}

std::string never_matches_reason(const Row& row, const Inventory& inventory) {
    const auto host = pinned_host(row);
    if (!host) return {};
    const bool out = row.direction == Direction::out;
    const std::string side = out ? "source" : "destination";
    const std::string who =
        row.scope ? fmt::format("an \"{}\" row of {}", to_string(row.direction),
                                inventory.hosts[*host].name)
                  : std::string{"a global \"out\" row (traffic the hypervisor sends)"};
    // A row that never matches keeps its flow as written.
    const AddressList& list = out ? row.flow.source : row.flow.destination;
    if (!contains(list, inventory.hosts[*host].address))
        return fmt::format("can never match: {} needs {} in its {}", who, inventory.describe(*host),
                           side);
    return fmt::format(
        "can never match: {} is the {}, but the other end of the flow is of the other "
        "address family",
        inventory.describe(*host), side);
}

} // namespace phx::fw

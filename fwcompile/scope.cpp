// SPDX-License-Identifier: GPL-3.0-or-later
// Applying a row's scope; see scope.hpp for the rules.
#include "fwcompile/scope.hpp"

#include "fwcompile/flow.hpp"

#include <fmt/format.h>

namespace phx::fw {
namespace {

bool families_agree(const Flow& flow) {
    if (flow.source.any() || flow.destination.any()) return true;
    return flow.source.items.front().cidr.address.family ==
           flow.destination.items.front().cidr.address.family;
}

} // namespace

std::optional<HostIndex> pinned_host(const Row& row) {
    if (row.scope) return row.scope;
    if (row.direction == Direction::out) return kHypervisor;
    return std::nullopt;
}

// Built in place, in the row: a large policy has 50,000 rows, and a flow
// built aside and then moved in is copied address by address (its lists
// keep their items inline).
void apply_scope(Row& row, const Inventory& inventory) {
    Flow& flow = row.effective.emplace(row.written);
    const auto host = pinned_host(row);
    if (!host) return;
    // The side the scope pins, narrowed to the one host.
    AddressList& side = row.direction == Direction::out ? flow.source : flow.destination;
    const Host& pinned = inventory.hosts[*host];
    if (!contains(side, pinned.address)) {
        row.effective.reset();
        return;
    }
    const bool from_scope = side.any();
    side.items.clear();
    side.items.push_back(
        {Cidr::host(pinned.address), *host, row.pos.scope, pinned.name, from_scope});
    if (!families_agree(flow)) row.effective.reset();
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
    const AddressList& list = out ? row.written.source : row.written.destination;
    if (!contains(list, inventory.hosts[*host].address))
        return fmt::format("can never match: {} needs {} in its {}", who, inventory.describe(*host),
                           side);
    return fmt::format("can never match: {} is {}, but the other end of the flow is of the other "
                       "address family",
                       inventory.describe(*host), side);
}

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// Applying a row's scope; see scope.hpp for the rules.
#include "fwcompile/scope.hpp"

#include "fwcompile/flow.hpp"

#include <fmt/format.h>

namespace phx::fw {
namespace {

// The list narrowed to the one host; nullopt when the list does not hold it.
std::optional<AddressList> narrow_to(const AddressList& list, HostIndex h,
                                     const Inventory& inventory, const SourcePos& at) {
    const Host& host = inventory.hosts[h];
    if (!contains(list, host.address)) return std::nullopt;
    AddressList out;
    out.items.push_back({Cidr::host(host.address), h, at, host.name, list.any()});
    return out;
}

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

std::optional<Flow> effective_flow(const Row& row, const Inventory& inventory) {
    const auto host = pinned_host(row);
    if (!host) return row.written;
    Flow flow = row.written;
    AddressList& side = row.direction == Direction::out ? flow.source : flow.destination;
    auto narrowed = narrow_to(side, *host, inventory, row.pos.scope);
    if (!narrowed) return std::nullopt;
    side = std::move(*narrowed);
    if (!families_agree(flow)) return std::nullopt;
    return flow;
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

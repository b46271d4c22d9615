// SPDX-License-Identifier: GPL-3.0-or-later
// Placement of rows onto enforcement points; see place.hpp.
#include "fwcompile/analyse/place.hpp"

#include "fwcompile/flow.hpp"
#include "fwcompile/row_prefetch.hpp"

#include <cstddef>
#include <fmt/format.h>
#include <span>

namespace phx::fw {

std::vector<ir::Hook> Target::hooks() const {
    if (host) return {ir::Hook::input, ir::Hook::output};
    return {ir::Hook::input, ir::Hook::forward, ir::Hook::output};
}

bool crosses(const Flow& flow, ir::Hook hook, const Target& target, const Inventory& inventory) {
    const IpAddress& self = inventory.hosts.at(target.self()).address;
    switch (hook) {
    case ir::Hook::input:
        return contains(flow.destination, self) && !is_only(flow.source, self);
    case ir::Hook::output:
        return contains(flow.source, self) && !is_only(flow.destination, self);
    case ir::Hook::forward:
        // Everything that neither starts nor ends at the hypervisor itself.
        return !target.host && !is_only(flow.source, self) && !is_only(flow.destination, self);
    case ir::Hook::prerouting:
        return false; // the bridge table's checks are about ports, not rows
    }
    return false;
}

std::string scope_text(const RuleSet& rules) {
    const Inventory& inventory = rules.inventory;
    const bool one = inventory.bridges.size() == 1;
    // In a cluster the hypervisor's name is the first node's: name this one.
    const std::string self = inventory.cluster()
                                 ? fmt::format("this node ({})", inventory.node().name)
                                 : inventory.hypervisor().name;
    return fmt::format("scope: traffic forwarded through {} {}, and what {} sends and receives "
                       "itself; traffic of other bridges and interfaces passes untouched",
                       one ? "bridge" : "bridges", inventory.bridge_list(), self);
}

// One pass over the rows for all chains: a large policy's rows do not fit
// in the processor's caches, so each extra pass costs a trip to memory.
std::vector<ChainPlan> place(const RuleSet& rules, const Target& target) {
    std::vector<ChainPlan> plans;
    for (const ir::Hook hook : target.hooks()) plans.push_back({hook, {}});
    const std::span<const Row> rows{rules.rows.data(), rules.rows.size()};
    for (std::size_t k = 0; k < rows.size(); ++k) {
        prefetch_ahead(rows, k);
        const Row& row = rows[k];
        if (!row.effective()) continue;
        for (auto& plan : plans)
            if (crosses(*row.effective(), plan.hook, target, rules.inventory))
                plan.rows.push_back(&row);
    }
    return plans;
}

} // namespace phx::fw

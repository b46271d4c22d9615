// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 3, place: which enforcement points each row's flow crosses. A flow
// is enforced everywhere it passes: the source host's output, the
// destination host's input, and the hypervisor's forward path when it is
// bridged between guests or between a guest and the outside.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace phx::fw {

// What `apply` installs: the hypervisor's view (input, forward, output), or
// one host's own input and output (`--host`).
struct Target {
    std::optional<HostIndex> host; // nullopt: the hypervisor target

    [[nodiscard]] std::vector<ir::Hook> hooks() const;
    // The host whose input and output chains these are.
    [[nodiscard]] HostIndex self() const { return host.value_or(kHypervisor); }
};

// The rows one chain enforces, in written order.
struct ChainPlan {
    ir::Hook hook;
    std::vector<const Row*> rows;
};

// What the hypervisor target filters, in one line for check and apply:
// "scope: traffic forwarded through vmbr0, and the hypervisor's own; ...".
[[nodiscard]] std::string scope_text(const RuleSet& rules);

// Rows that can never match (Row::effective empty) are left out.
[[nodiscard]] std::vector<ChainPlan> place(const RuleSet& rules, const Target& target);

// Whether `flow` passes the chain at `hook` of the target. Traffic a host
// sends to itself is loopback and crosses neither its input nor its output.
[[nodiscard]] bool crosses(const Flow& flow, ir::Hook hook, const Target& target,
                           const Inventory& inventory);

} // namespace phx::fw

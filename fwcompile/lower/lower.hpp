// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 4, lower: the rows placed on each enforcement point -> the IR of
// table inet phx, and for the hypervisor target table bridge phx. Every base
// chain of the inet table drops by default and starts with the conntrack,
// loopback and IPv6 neighbour discovery rules (POLICY.md); what no row
// accepts is counted and (by default) logged before it is dropped.
#pragma once

#include "fwcompile/analyse/place.hpp"
#include "fwcompile/ir.hpp"
#include "fwcompile/model.hpp"

#include <string>

namespace phx::fw {

// Within a chain, rows keep their written order. A run of consecutive
// accept rows, and any row with several addresses or ports, becomes set
// lookups (one rule per set) so the cost per packet does not grow with the
// number of rows; every other row is one rule. In table inet phx,
// Table::origins[0] is the rules file itself, origins[i + 1] the row
// rules.rows[i]; in table bridge phx, origins[h] is host h's [[guest]].
// The tables' comments name the target and the rules file.
[[nodiscard]] ir::Ruleset lower(const RuleSet& rules, const Target& target);

// table inet phx alone.
[[nodiscard]] ir::Table lower_inet(const RuleSet& rules, const Target& target);

// "the hypervisor target", "host nginx (10.0.0.153)"; in a cluster, "the
// hypervisor target on node pve2 (10.0.0.14)".
[[nodiscard]] std::string target_name(const RuleSet& rules, const Target& target);

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 4, lower: the rows placed on each enforcement point -> the IR of
// table inet phx. Every base chain drops by default and starts with the
// conntrack, loopback and IPv6 neighbour discovery rules (POLICY.md).
#pragma once

#include "fwcompile/analyse/place.hpp"
#include "fwcompile/ir.hpp"
#include "fwcompile/model.hpp"

namespace phx::fw {

// Within a chain, rows keep their written order. A run of consecutive
// accept rows, and any row with several addresses or ports, becomes set
// lookups (one rule per set) so the cost per packet does not grow with the
// number of rows; every other row is one rule. Table::origins[0] is the
// rules file itself, origins[i + 1] the row rules.rows[i].
[[nodiscard]] ir::Table lower(const RuleSet& rules, const Target& target);

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// What a row's scope means (see POLICY.md, "Scopes"):
//   global  in   the flow as written, network-wide;
//   global  out  traffic the hypervisor sends: the source is the hypervisor;
//   host X  in   traffic to X: the destination is X;
//   host X  out  traffic from X: the source is X.
// "Is X" means the written list intersected with X: an omitted or "any"
// side becomes X, a list holding X becomes X, a list without X can never match.
#pragma once

#include "fwcompile/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phx::fw {

// Narrows row.flow to what the row describes once its scope is applied, and
// sets row.scoping (Scoping::never_matches, the flow left as written, when
// no packet can ever match it). `host_names` are the inventory's hosts'
// names, kept once in the rule set's text arena (keep_host_names): the
// narrowed side's text views its host's, so a large policy's rows do not
// each keep a copy of it.
void apply_scope(Row& row, const Inventory& inventory, std::span<const TextView> host_names);

// Each host's name, kept in `texts`, in the inventory's order.
[[nodiscard]] std::vector<TextView> keep_host_names(const Inventory& inventory, TextArena& texts);

// Why apply_scope() found that the row never matches, in words for a warning.
[[nodiscard]] std::string never_matches_reason(const Row& row, const Inventory& inventory);

// The host the scope pins one side of the flow to: the scope's host, or the
// hypervisor for a global "out" row; nullopt for a global "in" row.
[[nodiscard]] std::optional<HostIndex> pinned_host(const Row& row);

} // namespace phx::fw

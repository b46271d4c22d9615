// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 1, load: a rules file (TOML) -> RuleSet. Every problem is reported
// with file:line:col; a file with any error yields no RuleSet at all.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>

namespace phx::fw {

// Reads the inventory ([hypervisor], [[node]], [[guest]]) and the rows
// ([[rule]]), resolves host references and applies each row's scope
// (Row::effective). `node` says which node of a cluster the hypervisor is
// (inventory::NodeChoice); by default, [hypervisor] as written.
[[nodiscard]] std::optional<RuleSet> load_rules(const std::string& path, Diagnostics& diag,
                                                const inventory::NodeChoice& node = {});

} // namespace phx::fw

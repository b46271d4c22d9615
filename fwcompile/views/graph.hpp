// SPDX-License-Identifier: GPL-3.0-or-later
// A picture of the policy: Graphviz DOT of the inventory's hosts and the
// flows the rows admit or refuse, for `phx-fw graph | dot -Tsvg`. Each row
// is drawn as its scope makes it (POLICY.md, "Scopes"), so the hypervisor's
// global "out" row starts at the hypervisor. Edges that share their ends,
// scope and action merge into one with a label line per row ("tcp/80").
// Edge colours tell the scope (a legend says which); drop and reject rows
// are dashed or dotted with a bar for a head. The output depends on nothing
// but the rules (no paths, no times), so a rendering can be committed and
// checked for drift.
#pragma once

#include "fwcompile/model.hpp"

#include <string>

namespace phx::fw {

// `title` heads the picture, e.g. the rules file's name.
[[nodiscard]] std::string policy_graph(const RuleSet& rules, const std::string& title);

} // namespace phx::fw

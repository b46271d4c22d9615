// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 2, lint (phx-fw check): warnings about rows that load fine but are probably not
// what the admin meant. Errors are the loader's job; nothing here fails.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/model.hpp"

namespace phx::fw {

// Reports, at the row or list entry concerned:
//  - rows that can never match (e.g. a guest's "out" row whose source is another host);
//  - duplicate rows and rows shadowed by an earlier row that matches all their traffic;
//  - entries of one address or port list that overlap each other;
//  - addresses inside the inventory's network that belong to no host.
// Shadowing compares each row only with the earlier rows that match its
// addresses (an index by prefix), so it stays fast for generated policies
// of tens of thousands of rows.
void lint(const RuleSet& rules, Diagnostics& diag);

} // namespace phx::fw

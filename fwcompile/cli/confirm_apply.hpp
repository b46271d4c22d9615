// SPDX-License-Identifier: GPL-3.0-or-later
// `apply --confirm SECONDS`: apply now, restore the saved table unless
// `phx-fw confirm` (or Enter on the terminal) comes in time. apply() hands
// over once the rules are loaded and lowered.
#pragma once

#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/keeper.hpp"

namespace phx::fw::cli {

// `job` holds the table to apply and what it came from; the rest is filled
// in here. Returns 0 when confirmed, 3 when rolled back, 1 on failure.
[[nodiscard]] int apply_confirmed(const Options& o, KeeperJob job);

} // namespace phx::fw::cli

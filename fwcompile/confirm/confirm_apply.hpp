// SPDX-License-Identifier: GPL-3.0-or-later
// `apply --confirm SECONDS`: apply now, restore the saved table unless
// `phx-fw confirm` (or Enter on the terminal) comes in time. apply() hands
// over once the rules are loaded and lowered.
#pragma once

#include "fwcompile/confirm/keeper.hpp"

namespace phx::fw::confirm {

// `job` holds the table to apply, what it came from and the window; the
// rest is filled in here. Returns 0 when confirmed, 3 when rolled back, 1 on
// failure.
[[nodiscard]] int apply_confirmed(KeeperJob job);

} // namespace phx::fw::confirm

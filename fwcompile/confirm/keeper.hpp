// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's state machine, behind `apply --confirm`: apply the new
// tables, wait for a confirmation, and otherwise restore the saved ones when
// the time is up, a signal arrives or the admin asks for it. The kernel, the
// clock, the wait and the event sink are passed in, so the same logic runs
// in the detached keeper process (keeper_process.hpp) and in unit tests.
#pragma once

#include "fwcompile/confirm/clock.hpp"
#include "fwcompile/confirm/events.hpp"
#include "fwcompile/confirm/inbox.hpp"
#include "fwcompile/confirm/kernel.hpp"
#include "fwcompile/ir.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace phx::fw::confirm {

struct KeeperJob {
    ir::Ruleset ruleset;           // what to apply
    ir::Ruleset previous;          // what to restore; no tables: there were none before
    std::uint32_t generation = 0;  // the ruleset generation `previous` was read at
    std::chrono::seconds window{}; // how long a confirmation may take
    std::string what;              // "rules/phoenix.toml (the hypervisor target)"
};

// Exit codes of the keeper and of `apply --confirm`.
inline constexpr int kConfirmed = 0;
inline constexpr int kFailed = 1;
inline constexpr int kRolledBack = 3;

// What the keeper works through; all must outlive keep().
struct KeeperPorts {
    Kernel& kernel;
    Clock& clock;
    Inbox& inbox;
    EventSink& events;
};

// Applies job.ruleset at job.generation, waits up to job.window for a
// confirmation, and restores job.previous without one. Returns kConfirmed,
// kRolledBack, or kFailed (the kernel refused the apply, or the restore
// failed). The inbox is closed before any rollback, so a late "confirm"
// finds nothing. Throws only if the apply could not be sent at all (no
// socket): nothing was applied then.
[[nodiscard]] int keep(const KeeperJob& job, const KeeperPorts& ports);

// "table inet phx and table bridge phx", for messages; "no table" for none.
[[nodiscard]] std::string tables_text(const ir::Ruleset& ruleset);

} // namespace phx::fw::confirm

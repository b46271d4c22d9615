// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper: the detached process behind `apply --confirm`. It applies the
// new table, waits for "confirm" on its socket, and otherwise restores the
// saved table when the time is up. It runs in a session of its own with no
// terminal, so a closed SSH session, a hangup or a killed foreground process
// cannot stop the rollback. SIGTERM, SIGINT or SIGHUP sent to the keeper
// itself (a shutdown) restores the saved table at once.
#pragma once

#include "common/fd.hpp"
#include "fwcompile/confirm/pending.hpp"
#include "fwcompile/ir.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace phx::fw::confirm {

struct KeeperJob {
    ir::Table table;                   // what to apply
    std::optional<ir::Table> previous; // what to restore; nullopt: no table inet phx before
    std::uint32_t generation = 0;      // the ruleset generation `previous` was read at
    std::chrono::seconds window{};     // how long a confirmation may take
    std::string what;                  // "rules/phoenix.toml (the hypervisor target)"
};

// The keeper's end of things, all opened by the foreground before fork().
struct KeeperFds {
    Fd lock;     // the namespace's pending lock, held for as long as the keeper runs
    Fd listener; // the command socket
    Fd events;   // the write end of the pipe the foreground reads
};

// Events travel to the foreground one line each: "<kind>\t<text>".
enum class Event { applied, note, confirmed, rolled_back, failed };
[[nodiscard]] std::string_view to_string(Event e);
[[nodiscard]] std::optional<Event> event_of(std::string_view kind);

// Exit codes of the keeper and of `apply --confirm`.
inline constexpr int kConfirmed = 0;
inline constexpr int kFailed = 1;
inline constexpr int kRolledBack = 3;

// Runs in the forked child: detaches (setsid, stdio to /dev/null and the
// log), then applies, waits and confirms or restores. Returns the exit code.
[[nodiscard]] int run_keeper(const KeeperJob& job, const PendingPaths& paths, KeeperFds fds);

// "22:16:20" in local time.
[[nodiscard]] std::string clock_time(std::chrono::system_clock::time_point t);

} // namespace phx::fw::confirm

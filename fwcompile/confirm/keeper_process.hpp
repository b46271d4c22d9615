// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper process: the detached child behind `apply --confirm`. It runs
// in a session of its own with no terminal, so a closed SSH session, a
// hangup or a killed foreground process cannot stop the rollback. SIGTERM,
// SIGINT or SIGHUP sent to the keeper itself (a shutdown) restores the saved
// table at once. The decisions are keep()'s (keeper.hpp); this wires them to
// netlink, the command socket, the signals, the pipe and the log.
#pragma once

#include "common/fd.hpp"
#include "fwcompile/confirm/keeper.hpp"
#include "fwcompile/confirm/pending.hpp"

namespace phx::fw::confirm {

// The keeper's end of things, all opened by the foreground before fork().
struct KeeperFds {
    Fd lock;     // the namespace's pending lock, held for as long as the keeper runs
    Fd listener; // the command socket
    Fd events;   // the write end of the pipe the foreground reads
};

// Runs in the forked child: detaches (setsid, stdio to /dev/null and the
// log), then applies, waits and confirms or restores. Returns the exit code.
[[nodiscard]] int run_keeper(const KeeperJob& job, const PendingPaths& paths, KeeperFds fds);

} // namespace phx::fw::confirm

// SPDX-License-Identifier: GPL-3.0-or-later
// Where a pending `apply --confirm` lives while it waits, and how other
// phx-fw runs reach it. State is per network namespace, named after the
// namespace's inode, so applies in different namespaces never meet:
//   DIR/net-<inode>.lock   held (flock) by the keeper for as long as it waits
//   DIR/net-<inode>.sock   the keeper listens here for "confirm" and "rollback"
//   DIR/net-<inode>.log    one line per event, kept after the keeper is gone
// DIR is $PHX_FW_RUNTIME_DIR, else /run/phx-fw (packaging's tmpfiles.d).
#pragma once

#include "common/fd.hpp"

#include <optional>
#include <string>

namespace phx::fw::confirm {

inline constexpr const char* kRuntimeDirVariable = "PHX_FW_RUNTIME_DIR";
inline constexpr const char* kDefaultRuntimeDir = "/run/phx-fw";

struct PendingPaths {
    std::string dir;
    std::string netns; // "net:[4026532281]", as /proc/PID/ns/net reads
    std::string lock, socket, log;
};

// The paths for this process's network namespace; throws if it cannot be
// told (no /proc).
[[nodiscard]] PendingPaths pending_paths();

// Creates DIR (mode 0700) if missing. Throws if it is not a directory of
// ours that nobody else may write to: a socket there is trusted.
void ensure_runtime_dir(const std::string& dir);

// Takes the namespace's lock without waiting; an invalid Fd when a keeper
// holds it. Whoever holds the returned Fd (or a fork's copy) owns the slot.
[[nodiscard]] Fd claim_pending(const PendingPaths& paths);

// Whether a keeper is waiting in this namespace (its lock is held).
[[nodiscard]] bool apply_pending(const PendingPaths& paths);

// A listening socket at paths.socket, replacing a stale one; call with the
// lock held.
[[nodiscard]] Fd listen_for_commands(const PendingPaths& paths);

// Sends one command ("confirm", "rollback") to the waiting keeper and
// returns its one-line answer; nullopt when no keeper listens.
[[nodiscard]] std::optional<std::string> ask_keeper(const PendingPaths& paths,
                                                    const std::string& command);

// The last line of the log ("" if none), to say how the last one ended.
[[nodiscard]] std::string last_logged_event(const PendingPaths& paths);

} // namespace phx::fw::confirm

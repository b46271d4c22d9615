// SPDX-License-Identifier: GPL-3.0-or-later
// The pending paths of a made-up namespace inside a temporary directory:
// the confirm tests' runtime directory, so they need no /run and no root.
#pragma once

#include "fwcompile/confirm/pending.hpp"
#include "unit/temp_dir.hpp"

#include <string>

namespace phx::fw::confirm::test {

using phx::test::TempDir;

// What pending_paths() would say for a namespace with inode 4026531840.
inline PendingPaths paths_in(const std::string& dir) {
    PendingPaths p;
    p.dir = dir;
    p.netns = "net:[4026531840]";
    p.lock = dir + "/net-4026531840.lock";
    p.socket = dir + "/net-4026531840.sock";
    p.log = dir + "/net-4026531840.log";
    return p;
}

} // namespace phx::fw::confirm::test

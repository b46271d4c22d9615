// SPDX-License-Identifier: GPL-3.0-or-later
// A private temporary directory, removed with everything in it when it goes
// out of scope, and the pending paths of a made-up namespace inside it: the
// confirm tests' runtime directory, so they need no /run and no root.
#pragma once

#include "fwcompile/confirm/pending.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace phx::fw::confirm::test {

class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/phx-confirm-XXXXXX";
        if (!::mkdtemp(name)) std::abort();
        path_ = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

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

// SPDX-License-Identifier: GPL-3.0-or-later
// `phx-fw confirm`: tells the keeper of a waiting `apply --confirm` to keep
// what it applied (fwcompile/confirm/).
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/confirm/pending.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace phx::fw::cli {

int confirm(const Options&) {
    const confirm::PendingPaths paths = confirm::pending_paths();
    const auto answer = confirm::ask_keeper(paths, "confirm");
    if (!answer) {
        const std::string last = confirm::last_logged_event(paths);
        fmt::print(stderr,
                   "phx-fw: no apply is waiting for confirmation in this network "
                   "namespace ({}); nothing was done\n",
                   paths.netns);
        if (!last.empty())
            fmt::print(stderr, "phx-fw: the last event in {}: {}\n", paths.log, last);
        return 1;
    }
    const bool ok = answer->rfind("ok: ", 0) == 0;
    fmt::print(ok ? stdout : stderr, "phx-fw: {}\n", ok ? answer->substr(4) : *answer);
    return ok ? 0 : 1;
}

} // namespace phx::fw::cli

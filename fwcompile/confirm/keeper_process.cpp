// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper process: detach from the terminal, then run keep() on the real
// kernel, clock, inbox and event sink; see keeper_process.hpp.
#include "fwcompile/confirm/keeper_process.hpp"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace phx::fw::confirm {
namespace {

// A session of its own (no controlling terminal, so no SIGHUP when the
// terminal goes), stdin from /dev/null, stdout and stderr to the log.
void detach(const PendingPaths& paths) {
    ::setsid();
    const Fd null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
    // O_NOFOLLOW: a link planted in the runtime directory must not send the
    // keeper's log over another file.
    Fd log{::open(paths.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)};
    const int out = log.valid() ? log.get() : null.get();
    ::dup2(null.get(), STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    // Holding no working directory keeps no file system busy.
    [[maybe_unused]] const int ignored = ::chdir("/");
    std::signal(SIGPIPE, SIG_IGN); // the foreground may be gone; its pipe then says EPIPE
}

} // namespace

// `fds.lock` stays here until the keeper returns: the namespace's slot is
// ours for exactly as long as the keeper runs.
int run_keeper(const KeeperJob& job, const PendingPaths& paths, KeeperFds fds) {
    detach(paths);
    Clock& clock = real_clock();
    const auto events = pipe_and_log(std::move(fds.events), stderr, paths.netns, clock);
    try {
        // The inbox blocks the signals before the apply: a shutdown during
        // the apply still ends in a rollback.
        const auto inbox = socket_inbox(std::move(fds.listener), paths.socket, clock);
        const auto kernel = netlink_kernel();
        return keep(job, {*kernel, clock, *inbox, *events});
    } catch (const std::exception& e) {
        events->say(Event::failed, fmt::format("the keeper stopped: {}", e.what()));
        return kFailed;
    }
}

} // namespace phx::fw::confirm

// SPDX-License-Identifier: GPL-3.0-or-later
// `apply --confirm` in the foreground, and `confirm`. The foreground saves
// the live table, makes sure it could be put back exactly, forks the keeper
// (keeper_process.hpp) and then only reports what the keeper does; Enter on a
// terminal confirms, Ctrl-C restores the previous table at once.
#include "fwcompile/confirm/confirm_apply.hpp"
#include "fwcompile/confirm/keeper_process.hpp"
#include "fwcompile/confirm/pending.hpp"
#include "fwcompile/netlink/apply.hpp"
#include "fwcompile/netlink/readback.hpp"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>

namespace phx::fw::confirm {
namespace {

constexpr std::size_t kProblemsShown = 20;

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// While following the keeper the terminal may vanish (a dropped SSH
// session): printing is then best effort, and never stops the wait.
void put(FILE* stream, const std::string& text) {
    std::fputs(text.c_str(), stream);
    std::fflush(stream);
}

int refuse(const std::vector<std::string>& problems) {
    std::fputs("phx-fw: --confirm cannot promise to restore phx-fw's tables exactly: they hold "
               "what phx-fw cannot put back:\n",
               stderr);
    for (std::size_t i = 0; i < problems.size() && i < kProblemsShown; ++i)
        fmt::print(stderr, "  {}\n", problems[i]);
    if (problems.size() > kProblemsShown)
        fmt::print(stderr, "  ... and {} more\n", problems.size() - kProblemsShown);
    std::fputs("Nothing was applied. Remove those parts, or apply without --confirm.\n", stderr);
    return kFailed;
}

std::string describe(const netlink::LiveState& live) {
    if (live.ruleset.tables.empty())
        return "no table of phx-fw's is loaded: without confirmation the new ones are removed "
               "again";
    std::size_t chains = 0, sets = 0, rules = 0;
    for (const auto& table : live.ruleset.tables) {
        chains += table.chains.size();
        sets += table.sets.size();
        for (const auto& chain : table.chains) rules += chain.rules.size();
    }
    return fmt::format("saved the live {} ({} chains, {} sets, {} rules, with their counters) to "
                       "restore without confirmation",
                       tables_text(live.ruleset), chains, sets, rules);
}

// The snapshot, or nullopt after saying why --confirm cannot be offered.
std::optional<netlink::LiveState> save_live_table() {
    netlink::Socket socket;
    netlink::LiveState live = netlink::read_live_state(socket);
    if (!live.unrepresentable.empty()) {
        refuse(live.unrepresentable);
        return std::nullopt;
    }
    // The kernel checks the rollback batch now, so it is known good later.
    const auto dry = netlink::restore_ruleset(socket, live.ruleset, live.generation, true);
    if (!dry.ok) {
        fmt::print(stderr,
                   "phx-fw: --confirm cannot promise a rollback: the kernel would not take "
                   "the previous tables back:\n{}Nothing was applied.\n",
                   dry.report);
        return std::nullopt;
    }
    return live;
}

// SIGINT, SIGTERM and SIGHUP as events of the wait loop.
Fd signal_events() {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) fail("cannot block signals");
    Fd fd{signalfd(-1, &set, SFD_CLOEXEC)};
    if (!fd.valid()) fail("signalfd");
    return fd;
}

// Prints what the keeper reports until it is done; returns the exit code.
class Follower {
public:
    Follower(pid_t keeper, Fd events, const PendingPaths& paths)
        : keeper_{keeper}, events_{std::move(events)}, paths_{paths},
          terminal_{::isatty(STDIN_FILENO) == 1}, signals_{signal_events()} {}

    int run() {
        while (events_.valid()) {
            pollfd fds[3] = {{events_.get(), POLLIN, 0},
                             {signals_.get(), POLLIN, 0},
                             {terminal_ ? STDIN_FILENO : -1, POLLIN, 0}};
            if (::poll(fds, 3, -1) < 0) {
                if (errno == EINTR) continue;
                fail("poll");
            }
            if (fds[1].revents & POLLIN) {
                if (const auto code = on_signal()) return *code;
            }
            if (fds[2].revents & (POLLIN | POLLHUP)) on_terminal();
            if (fds[0].revents & (POLLIN | POLLHUP)) on_events();
        }
        const int code = last_ == Event::confirmed     ? kConfirmed
                         : last_ == Event::rolled_back ? kRolledBack
                                                       : kFailed;
        return reap(code);
    }

private:
    // The keeper's exit status must agree with what it reported; anything
    // else (a crash, a sanitizer's report) is a failure worth saying.
    int reap(int expected) const {
        int status = 0;
        if (::waitpid(keeper_, &status, 0) != keeper_) return expected;
        if (WIFEXITED(status) && WEXITSTATUS(status) == expected) return expected;
        put(stderr,
            fmt::format("phx-fw: the keeper (pid {}) ended with {} {}; see {}\n", keeper_,
                        WIFEXITED(status) ? "status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), paths_.log));
        return kFailed;
    }

    void on_events() {
        char buffer[4096];
        const ssize_t n = ::read(events_.get(), buffer, sizeof buffer);
        if (n <= 0) {
            events_.reset(); // the keeper is done
            return;
        }
        pending_.append(buffer, static_cast<std::size_t>(n));
        for (auto end = pending_.find('\n'); end != std::string::npos; end = pending_.find('\n')) {
            show(pending_.substr(0, end));
            pending_.erase(0, end + 1);
        }
    }

    void show(const std::string& line) {
        const auto tab = line.find('\t');
        const auto event = event_of(line.substr(0, tab));
        const std::string text = tab == std::string::npos ? line : line.substr(tab + 1);
        if (!event) return;
        if (*event != Event::note) last_ = event;
        const bool bad = *event == Event::failed || *event == Event::note;
        put(bad ? stderr : stdout,
            fmt::format("phx-fw: {}{}\n", *event == Event::note ? "warning: " : "", text));
        if (*event == Event::applied) print_instructions();
    }

    void print_instructions() const {
        if (terminal_)
            put(stdout, "phx-fw: press Enter to keep it (or run `phx-fw confirm` in another "
                        "shell); Ctrl-C restores the previous table now.\n");
        else
            put(stdout,
                fmt::format("phx-fw: run `phx-fw confirm` in this network namespace ({}) to keep "
                            "it.\n",
                            paths_.netns));
        put(stdout, fmt::format("phx-fw: the keeper (pid {}) restores the previous table on time "
                                "even if this session ends; its log is {}\n",
                                keeper_, paths_.log));
    }

    void on_terminal() {
        char buffer[256];
        const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (n <= 0) {
            terminal_ = false; // end of input: only `phx-fw confirm` can confirm now
            return;
        }
        if (std::string_view{buffer, static_cast<std::size_t>(n)}.find('\n') ==
            std::string_view::npos)
            return;
        terminal_ = false;
        tell_keeper("confirm");
    }

    std::optional<int> on_signal() {
        signalfd_siginfo info{};
        if (::read(signals_.get(), &info, sizeof info) != sizeof info) return std::nullopt;
        const int signal = static_cast<int>(info.ssi_signo);
        if (signal == SIGINT) {
            put(stdout, "\nphx-fw: interrupted: restoring the previous table now\n");
            tell_keeper("rollback");
            return std::nullopt;
        }
        put(stderr, fmt::format("phx-fw: stopped waiting (SIG{}); the keeper (pid {}) still "
                                "restores the previous table on time unless `phx-fw confirm` "
                                "runs first\n",
                                sigabbrev_np(signal), keeper_));
        return 128 + signal;
    }

    void tell_keeper(const char* command) const {
        const auto answer = ask_keeper(paths_, command);
        if (!answer || answer->rfind("ok", 0) != 0)
            put(stderr, fmt::format("phx-fw: the keeper did not take '{}': {}\n", command,
                                    answer ? *answer : "it no longer listens"));
    }

    pid_t keeper_;
    Fd events_;
    const PendingPaths& paths_;
    bool terminal_;
    Fd signals_;
    std::string pending_;
    std::optional<Event> last_;
};

} // namespace

int apply_confirmed(KeeperJob job) {
    const PendingPaths paths = pending_paths();
    ensure_runtime_dir(paths.dir);
    KeeperFds fds;
    fds.lock = claim_pending(paths);
    if (!fds.lock.valid()) {
        fmt::print(stderr,
                   "phx-fw: an apply in this network namespace ({}) is already waiting "
                   "for confirmation: run `phx-fw confirm` or let it roll back first. "
                   "Nothing was applied.\n",
                   paths.netns);
        return kFailed;
    }
    auto live = save_live_table();
    if (!live) return kFailed;
    fmt::print("phx-fw: {}\n", describe(*live));
    job.previous = std::move(live->ruleset);
    job.generation = live->generation;
    fds.listener = listen_for_commands(paths);
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_CLOEXEC) != 0) fail("pipe");
    Fd read_end{pipe_ends[0]};
    fds.events = Fd{pipe_ends[1]};
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t keeper = ::fork();
    if (keeper < 0) fail("cannot start the keeper");
    if (keeper == 0) {
        read_end.reset();
        return run_keeper(job, paths, std::move(fds));
    }
    fds = KeeperFds{}; // the keeper's now: the lock stays held through its copy
    return Follower{keeper, std::move(read_end), paths}.run();
}

} // namespace phx::fw::confirm

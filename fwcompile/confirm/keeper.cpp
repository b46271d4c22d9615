// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's life: detach, apply, wait for a command or the deadline,
// then keep or restore; see keeper.hpp.
#include "fwcompile/confirm/keeper.hpp"

#include "fwcompile/netlink/apply.hpp"
#include "fwcompile/netlink/readback.hpp"
#include "fwcompile/nft_text.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <system_error>
#include <thread>

namespace phx::fw::confirm {
namespace {

using SteadyClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// A rollback refused because the ruleset changed in that instant is sent
// again, against the new generation; more than a few means something is
// rewriting the ruleset in a loop.
constexpr int kRestoreAttempts = 5;
constexpr std::chrono::milliseconds kRetryPause{200};
// How long a client may take to send its command.
constexpr std::chrono::milliseconds kCommandTimeout{1000};

std::string local_time(WallClock::time_point t, const char* format) {
    const std::time_t seconds = WallClock::to_time_t(t);
    std::tm parts{};
    localtime_r(&seconds, &parts);
    char text[64];
    return std::strftime(text, sizeof text, format, &parts) ? text : "?";
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

// A session of its own (no controlling terminal, so no SIGHUP when the
// terminal goes), stdin from /dev/null, stdout and stderr to the log.
void detach(const PendingPaths& paths) {
    ::setsid();
    const Fd null{::open("/dev/null", O_RDWR | O_CLOEXEC)};
    Fd log{::open(paths.log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)};
    const int out = log.valid() ? log.get() : null.get();
    ::dup2(null.get(), STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    // Holding no working directory keeps no file system busy.
    [[maybe_unused]] const int ignored = ::chdir("/");
    std::signal(SIGPIPE, SIG_IGN); // the foreground may be gone; its pipe then says EPIPE
}

// SIGTERM, SIGINT and SIGHUP as readable events instead of deaths.
Fd signal_events() {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, s);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot block signals");
    Fd fd{signalfd(-1, &set, SFD_CLOEXEC)};
    if (!fd.valid()) throw std::system_error(errno, std::generic_category(), "signalfd");
    return fd;
}

enum class Command { none, confirm, rollback };

class Keeper {
public:
    Keeper(const KeeperJob& job, const PendingPaths& paths, KeeperFds fds)
        : job_{job}, paths_{paths}, fds_{std::move(fds)} {}

    // Once the new table is in, nothing may keep the old one from coming
    // back: any failure while waiting ends the wait with a rollback.
    int run() {
        signals_ = signal_events();
        if (!apply()) {
            stop_listening();
            return kFailed;
        }
        std::string why;
        try {
            report_applied();
            why = wait_for_confirmation();
        } catch (const std::exception& e) {
            why = fmt::format("the keeper failed while waiting ({})", e.what());
        }
        stop_listening();
        if (why.empty()) return kConfirmed;
        return roll_back(why);
    }

    void say(Event event, const std::string& text) {
        std::string line = fmt::format("{}\t{}\n", to_string(event), text);
        // Best effort: the foreground may be gone, and that changes nothing.
        if (fds_.events.valid() && ::write(fds_.events.get(), line.data(), line.size()) < 0)
            fds_.events.reset();
        const char* prefix = event == Event::failed ? "error: "
                             : event == Event::note ? "warning: "
                                                    : "";
        log(prefix + text);
    }

private:
    // Never throws: a full disk must not stop a rollback.
    void log(const std::string& text) {
        const std::string line = fmt::format(
            "{} {} {}\n", local_time(WallClock::now(), "%Y-%m-%d %H:%M:%S"), paths_.netns, text);
        std::fputs(line.c_str(), stderr);
        std::fflush(stderr);
    }

    bool apply() {
        netlink::Socket socket;
        applied_ = netlink::apply_table(socket, job_.table, job_.generation, false);
        if (!applied_.ok) {
            say(Event::failed, trimmed(applied_.report));
            return false;
        }
        applied_at_ = WallClock::now();
        deadline_ = SteadyClock::now() + job_.window;
        return true;
    }

    // The generation after our commit: any other at rollback time means
    // someone changed the ruleset during the wait.
    void report_applied() {
        applied_generation_ = netlink::Socket{}.generation();
        say(Event::applied,
            fmt::format("applied table inet phx from {} at {}: {} messages, kernel {:.1f} ms; "
                        "the previous table comes back at {} unless confirmed",
                        job_.what, clock_time(applied_at_), applied_.messages, applied_.kernel_ms,
                        clock_time(applied_at_ + job_.window)));
    }

    // "" once confirmed, else why the previous table must come back.
    std::string wait_for_confirmation() {
        while (true) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline_ - SteadyClock::now());
            if (left.count() <= 0)
                return fmt::format("no confirmation within {} s", job_.window.count());
            pollfd fds[2] = {{fds_.listener.get(), POLLIN, 0}, {signals_.get(), POLLIN, 0}};
            if (::poll(fds, 2, static_cast<int>(left.count())) < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            if (fds[1].revents & POLLIN) return signal_reason();
            if (!(fds[0].revents & POLLIN)) continue;
            const Command command = serve_one();
            if (command == Command::confirm) return {};
            if (command == Command::rollback)
                return "the admin interrupted apply --confirm (Ctrl-C)";
        }
    }

    std::string signal_reason() {
        signalfd_siginfo info{};
        if (::read(signals_.get(), &info, sizeof info) != sizeof info) info.ssi_signo = SIGTERM;
        return fmt::format("the keeper was sent SIG{} by pid {}",
                           sigabbrev_np(static_cast<int>(info.ssi_signo)), info.ssi_pid);
    }

    // Answers one client; only root or our own user may decide.
    Command serve_one() {
        const Fd client{::accept4(fds_.listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
        if (!client.valid()) return Command::none;
        // A client that says nothing must not push the rollback past its time.
        const auto left =
            std::chrono::duration_cast<std::chrono::microseconds>(std::clamp<SteadyClock::duration>(
                deadline_ - SteadyClock::now(), std::chrono::milliseconds{10}, kCommandTimeout));
        const timeval timeout{static_cast<time_t>(left.count() / 1'000'000),
                              static_cast<suseconds_t>(left.count() % 1'000'000)};
        setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ucred peer{};
        socklen_t length = sizeof peer;
        if (getsockopt(client.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0 ||
            (peer.uid != 0 && peer.uid != ::geteuid()))
            return answer(client, "error: only root may confirm or roll back", Command::none);
        char buffer[64] = {};
        const ssize_t n = ::recv(client.get(), buffer, sizeof buffer - 1, 0);
        const std::string command =
            trimmed(n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "");
        if (command == "confirm") {
            const auto now = WallClock::now();
            const auto early = std::chrono::duration<double>(deadline_ - SteadyClock::now());
            const std::string text = fmt::format(
                "confirmed at {}: table inet phx stays as applied at {} ({:.1f} s before the "
                "rollback was due)",
                clock_time(now), clock_time(applied_at_), early.count());
            say(Event::confirmed, text);
            return answer(client, "ok: " + text, Command::confirm);
        }
        if (command == "rollback")
            return answer(client, "ok: restoring the previous table inet phx now",
                          Command::rollback);
        return answer(client, fmt::format("error: unknown command '{}'", command), Command::none);
    }

    static Command answer(const Fd& client, const std::string& text, Command command) {
        const std::string line = text + "\n";
        ::send(client.get(), line.data(), line.size(), MSG_NOSIGNAL);
        return command;
    }

    // From here on `phx-fw confirm` finds nothing to confirm. The socket
    // goes before the lock, so a new apply never finds ours.
    void stop_listening() {
        fds_.listener.reset();
        ::unlink(paths_.socket.c_str());
    }

    int roll_back(const std::string& why);
    std::string change_note(netlink::Socket& socket, std::uint32_t now);

    const KeeperJob& job_;
    const PendingPaths& paths_;
    KeeperFds fds_;
    Fd signals_;
    netlink::Outcome applied_;
    std::uint32_t applied_generation_ = 0;
    WallClock::time_point applied_at_;
    SteadyClock::time_point deadline_;
};

// The rollback is one transaction against the generation read just before
// it. If the ruleset changed during the wait, the admin hears about it, and
// the previous table still comes back: the promise is "no lockout", and a
// table that is not the confirmed one must not outlive the window.
int Keeper::roll_back(const std::string& why) {
    log("restoring: " + why);
    std::string error;
    for (int attempt = 0; attempt < kRestoreAttempts; ++attempt) {
        try {
            netlink::Socket socket;
            const std::uint32_t now = socket.generation();
            if (attempt == 0 && now != applied_generation_)
                say(Event::note, change_note(socket, now));
            const netlink::Outcome out = netlink::restore_table(socket, job_.previous, now, false);
            if (out.ok) {
                say(Event::rolled_back,
                    fmt::format("{}: at {} {}", why, clock_time(WallClock::now()),
                                trimmed(out.report)));
                return kRolledBack;
            }
            error = trimmed(out.report);
            if (!out.generation_changed)
                break; // refused for good: sending it again changes nothing
        } catch (const std::exception& e) {
            error = e.what(); // no socket, no memory: worth another try in a moment
            std::this_thread::sleep_for(kRetryPause);
        }
    }
    say(Event::failed, fmt::format("{}, but the previous table could not be restored: {}; table "
                                   "inet phx stays as applied",
                                   why, error));
    return kFailed;
}

std::string Keeper::change_note(netlink::Socket& socket, std::uint32_t now) {
    const auto live = netlink::read_live_table(socket);
    const TextStyle canonical{false, true};
    const char* what = !live ? "table inet phx was removed"
                       : to_nft_text(*live, canonical) != to_nft_text(job_.table, canonical)
                           ? "table inet phx itself was changed"
                           : "another table changed (table inet phx is as applied)";
    return fmt::format("the ruleset changed during the wait (generation {} after the apply, {} "
                       "now): {}. Restoring the previous table inet phx anyway; no other table "
                       "is touched",
                       applied_generation_, now, what);
}

} // namespace

std::string_view to_string(Event e) {
    switch (e) {
    case Event::applied:
        return "applied";
    case Event::note:
        return "note";
    case Event::confirmed:
        return "confirmed";
    case Event::rolled_back:
        return "rolled-back";
    case Event::failed:
        return "failed";
    }
    return "note";
}

std::optional<Event> event_of(std::string_view kind) {
    for (const auto e :
         {Event::applied, Event::note, Event::confirmed, Event::rolled_back, Event::failed})
        if (to_string(e) == kind) return e;
    return std::nullopt;
}

std::string clock_time(std::chrono::system_clock::time_point t) {
    return local_time(t, "%H:%M:%S");
}

int run_keeper(const KeeperJob& job, const PendingPaths& paths, KeeperFds fds) {
    detach(paths);
    Keeper keeper{job, paths, std::move(fds)};
    try {
        return keeper.run();
    } catch (const std::exception& e) {
        keeper.say(Event::failed, fmt::format("the keeper stopped: {}", e.what()));
        return kFailed;
    }
}

} // namespace phx::fw::confirm

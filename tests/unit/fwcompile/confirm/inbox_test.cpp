// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's real inbox on a unix socket in a temporary directory: what a
// client's command, a signal, silence and the deadline make of a wait.
#include "fwcompile/confirm/inbox.hpp"
#include "fwcompile/confirm/pending.hpp"
#include "unit/fwcompile/confirm/temp_dir.hpp"

#include <csignal>
#include <cstring>
#include <doctest/doctest.h>
#include <filesystem>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace phx;
using namespace phx::fw::confirm;
using namespace phx::fw::confirm::test;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

// socket_inbox() blocks SIGTERM, SIGINT and SIGHUP for good; each test
// puts the signal mask back as it was.
class SignalMaskKept {
public:
    SignalMaskKept() { ::sigprocmask(SIG_SETMASK, nullptr, &old_); }
    ~SignalMaskKept() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
    SignalMaskKept(const SignalMaskKept&) = delete;
    SignalMaskKept& operator=(const SignalMaskKept&) = delete;

private:
    sigset_t old_{};
};

// A wait that never ends fails the test instead of hanging it: SIGALRM is
// not among the signals the inbox blocks, and it ends the process.
class Watchdog {
public:
    Watchdog() { ::alarm(20); }
    ~Watchdog() { ::alarm(0); }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;
};

// A keeper's runtime directory with its listening socket and inbox.
struct Setup {
    Watchdog watchdog;
    SignalMaskKept mask;
    TempDir dir;
    PendingPaths paths = paths_in(dir.path());
    std::unique_ptr<Inbox> inbox =
        socket_inbox(listen_for_commands(paths), paths.socket, real_clock());
};

// A client that has connected and sent `line` (nothing when empty); a
// listening socket takes it into its backlog before anyone accepts.
Fd client_sending(const std::string& socket_path, const std::string& line) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    const timeval timeout{5, 0}; // a test that fails must not hang
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (!line.empty())
        REQUIRE(::send(fd.get(), line.data(), line.size(), 0) == static_cast<ssize_t>(line.size()));
    return fd;
}

// Everything the keeper sends until it hangs up.
std::string answer_to(const Fd& client) {
    std::string out;
    char buffer[256];
    for (ssize_t n; (n = ::recv(client.get(), buffer, sizeof buffer, 0)) > 0;)
        out.append(buffer, static_cast<std::size_t>(n));
    return out;
}

} // namespace

TEST_CASE("socket inbox: a confirm ends the wait, and the client gets the keeper's answer") {
    Setup s;
    const Fd client = client_sending(s.paths.socket, "confirm\n");
    const Wakeup wakeup = s.inbox->wait(SteadyClock::now() + 5s);
    CHECK(wakeup.kind == Wakeup::Kind::confirm);
    s.inbox->answer("ok: kept");
    CHECK(answer_to(client) == "ok: kept\n");
}

TEST_CASE("socket inbox: a rollback ends the wait as a rollback") {
    Setup s;
    const Fd client = client_sending(s.paths.socket, "rollback\n");
    CHECK(s.inbox->wait(SteadyClock::now() + 5s).kind == Wakeup::Kind::rollback);
    s.inbox->answer("ok: restoring");
    CHECK(answer_to(client) == "ok: restoring\n");
}

TEST_CASE("socket inbox: an unknown command is refused and the wait goes on to its deadline") {
    Setup s;
    const Fd client = client_sending(s.paths.socket, "frobnicate\n");
    const auto start = SteadyClock::now();
    CHECK(s.inbox->wait(start + 300ms).kind == Wakeup::Kind::deadline);
    CHECK(SteadyClock::now() - start >= 300ms);
    CHECK(answer_to(client) == "error: unknown command 'frobnicate'\n");
}

TEST_CASE("socket inbox: a client that says nothing cannot hold the wait past its deadline") {
    Setup s;
    const Fd client = client_sending(s.paths.socket, "");
    const auto start = SteadyClock::now();
    CHECK(s.inbox->wait(start + 200ms).kind == Wakeup::Kind::deadline);
    CHECK(SteadyClock::now() - start < 900ms); // not the full second a client may otherwise take
    CHECK(answer_to(client) == "error: unknown command ''\n");
}

TEST_CASE("socket inbox: a signal ends the wait and names its sender") {
    Setup s;
    REQUIRE(::kill(::getpid(), SIGTERM) == 0); // blocked by the inbox: it waits for a read
    const Wakeup wakeup = s.inbox->wait(SteadyClock::now() + 5s);
    CHECK(wakeup.kind == Wakeup::Kind::signal);
    CHECK(wakeup.signal == "SIGTERM");
    CHECK(wakeup.sender == static_cast<std::uint32_t>(::getpid()));
}

TEST_CASE("socket inbox: with nothing happening the wait ends at its deadline") {
    Setup s;
    const auto start = SteadyClock::now();
    CHECK(s.inbox->wait(start + 50ms).kind == Wakeup::Kind::deadline);
    CHECK(SteadyClock::now() - start >= 50ms);
}

TEST_CASE("socket inbox: once closed, its socket is gone and a confirm finds no keeper") {
    Setup s;
    REQUIRE(std::filesystem::exists(s.paths.socket));
    s.inbox->close();
    CHECK_FALSE(std::filesystem::exists(s.paths.socket));
    CHECK_FALSE(ask_keeper(s.paths, "confirm").has_value());
}

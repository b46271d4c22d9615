// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's real inbox: poll() over the command socket and a signalfd,
// with the peer-credential check and the command timeout; see inbox.hpp.
#include "fwcompile/confirm/inbox.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace phx::fw::confirm {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// How long a client may take to send its command.
constexpr std::chrono::milliseconds kCommandTimeout{1000};

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

void send_line(const Fd& client, const std::string& text) {
    const std::string line = text + "\n";
    ::send(client.get(), line.data(), line.size(), MSG_NOSIGNAL);
}

// Only root or our own user may decide.
bool trusted(const Fd& client) {
    ucred peer{};
    socklen_t length = sizeof peer;
    return getsockopt(client.get(), SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0 &&
           (peer.uid == 0 || peer.uid == ::geteuid());
}

std::string read_command(const Fd& client) {
    char buffer[64] = {};
    const ssize_t n = ::recv(client.get(), buffer, sizeof buffer - 1, 0);
    std::string command = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
    while (!command.empty() && (command.back() == '\n' || command.back() == ' '))
        command.pop_back();
    return command;
}

class SocketInbox final : public Inbox {
public:
    SocketInbox(Fd listener, std::string socket_path, Clock& clock)
        : listener_{std::move(listener)},
          socket_path_{std::move(socket_path)}, clock_{clock}, signals_{signal_events()} {}

    Wakeup wait(SteadyTime deadline) override {
        client_.reset();
        while (true) {
            const auto left =
                std::chrono::ceil<std::chrono::milliseconds>(deadline - clock_.steady_now());
            if (left.count() <= 0) return Wakeup::of(Wakeup::Kind::deadline);
            pollfd fds[2] = {{listener_.get(), POLLIN, 0}, {signals_.get(), POLLIN, 0}};
            if (::poll(fds, 2, static_cast<int>(left.count())) < 0) {
                if (errno == EINTR) continue;
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            if (fds[1].revents & POLLIN) return signal_wakeup();
            if (!(fds[0].revents & POLLIN)) continue;
            if (const auto command = serve_one(deadline)) return Wakeup::of(*command);
        }
    }

    void answer(const std::string& text) override {
        if (!client_.valid()) return;
        send_line(client_, text);
        client_.reset();
    }

    void close() override {
        client_.reset();
        listener_.reset();
        ::unlink(socket_path_.c_str());
    }

private:
    Wakeup signal_wakeup() {
        signalfd_siginfo info{};
        if (::read(signals_.get(), &info, sizeof info) != sizeof info) info.ssi_signo = SIGTERM;
        return Wakeup::by_signal(
            fmt::format("SIG{}", sigabbrev_np(static_cast<int>(info.ssi_signo))), info.ssi_pid);
    }

    // A command to hand to the keeper, or nullopt once the client was
    // answered here (a stranger, a command we do not know).
    std::optional<Wakeup::Kind> serve_one(SteadyTime deadline) {
        Fd client{::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC)};
        if (!client.valid()) return std::nullopt;
        limit_wait(client, deadline);
        if (!trusted(client)) {
            send_line(client, "error: only root may confirm or roll back");
            return std::nullopt;
        }
        const std::string command = read_command(client);
        if (command != "confirm" && command != "rollback") {
            send_line(client, fmt::format("error: unknown command '{}'", command));
            return std::nullopt;
        }
        client_ = std::move(client);
        return command == "confirm" ? Wakeup::Kind::confirm : Wakeup::Kind::rollback;
    }

    // A client that says nothing must not push the rollback past its time.
    void limit_wait(const Fd& client, SteadyTime deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
            std::clamp<std::chrono::steady_clock::duration>(
                deadline - clock_.steady_now(), std::chrono::milliseconds{10}, kCommandTimeout));
        const timeval timeout{static_cast<time_t>(left.count() / 1'000'000),
                              static_cast<suseconds_t>(left.count() % 1'000'000)};
        setsockopt(client.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }

    Fd listener_;
    std::string socket_path_;
    Clock& clock_;
    Fd signals_;
    Fd client_; // the one whose command wait() returned, until answered
};

} // namespace

std::unique_ptr<Inbox> socket_inbox(Fd listener, std::string socket_path, Clock& clock) {
    return std::make_unique<SocketInbox>(std::move(listener), std::move(socket_path), clock);
}

} // namespace phx::fw::confirm

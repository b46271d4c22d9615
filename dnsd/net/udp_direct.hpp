// SPDX-License-Identifier: GPL-3.0-or-later
// When a worker with no batch window waits for its next datagram inside
// recvmmsg instead of in Asio's reactor.
//
// Waiting through Asio costs four system calls per wake-up: epoll_wait, an
// epoll_ctl that re-arms the socket for the next async_wait (Asio does that
// for every non-speculative wait), recvmmsg and sendmmsg. Under sustained
// load the wake-ups come a few queries apart, so those calls, not the
// answers, are most of the CPU per query. A blocking recvmmsg with
// MSG_WAITFORONE waits and receives in one call, as the do-nothing floor
// (tests/bench/floor_responder.cpp) does: two calls per wake-up.
//
// The price is that while the thread blocks in recvmmsg the rest of the
// worker (TCP, forwarded replies, reloads, shutdown) does not run. So the
// rest of the worker gets a turn at least once per `turn` while datagrams
// come, a lone datagram that took longer than `turn` to come sends the socket
// back to waiting in the reactor (where a lone query costs nothing extra),
// and a worker only does this for a socket it serves alone: with two UDP
// sockets, one blocked in recvmmsg would hold up the other's queries. The
// wait itself is bounded by SO_RCVTIMEO, which the kernel counts in
// scheduler ticks: when sustained load stops dead, the rest of the worker
// may wait that long once (4-8 ms at HZ=250).
#pragma once

#include <chrono>
#include <cstddef>

namespace phx::dns::net {

class UdpDirect {
public:
    using Clock = std::chrono::steady_clock;

    // Drains that start within `turn` of the previous one, this many in a
    // row, mean sustained load: block in recvmmsg from then on.
    static constexpr int kBusyStreak = 3;

    // `turn` zero: never block in recvmmsg.
    explicit UdpDirect(std::chrono::microseconds turn) noexcept : turn_{turn} {}

    [[nodiscard]] bool enabled() const noexcept { return turn_.count() > 0; }
    [[nodiscard]] bool active() const noexcept { return active_; }
    [[nodiscard]] std::chrono::microseconds turn() const noexcept { return turn_; }

    // After a drain woken by readability: true when it is time to switch.
    [[nodiscard]] bool busy_after(std::size_t datagrams, Clock::time_point started) noexcept {
        if (!enabled() || datagrams == 0) return false;
        streak_ = started - last_drain_ < turn_ ? streak_ + 1 : 0;
        last_drain_ = started;
        return streak_ >= kBusyStreak;
    }

    void enter(Clock::time_point now) noexcept {
        active_ = true;
        last_turn_ = now;
    }
    // The socket was idle for a whole turn (or blocking failed).
    void leave() noexcept {
        active_ = false;
        streak_ = 0;
    }

    // Before each blocking receive: true when the rest of the worker is due
    // its turn (it is then given one, and the clock restarts).
    [[nodiscard]] bool turn_due(Clock::time_point now) noexcept {
        if (now - last_turn_ < turn_) return false;
        last_turn_ = now;
        return true;
    }

private:
    std::chrono::microseconds turn_;
    Clock::time_point last_drain_{};
    Clock::time_point last_turn_{};
    int streak_ = 0;
    bool active_ = false;
};

} // namespace phx::dns::net

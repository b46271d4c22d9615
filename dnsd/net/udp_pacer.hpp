// SPDX-License-Identifier: GPL-3.0-or-later
// When to drain a UDP socket: at once when it becomes readable, or, while
// queries keep arriving, on a short timer so that one wake-up answers many.
//
// A wake-up (epoll, context switch, waking the client) costs more than the
// answer itself: on a VM about 4 µs against ~2 µs of per-datagram kernel
// work. This is interrupt moderation done in user space, the way NICs and
// NAPI do it: an idle server answers a lone query immediately; a busy one
// collects queries for at most `window` and answers them with one recvmmsg
// and one sendmmsg. The price is up to one window of extra latency, only
// under sustained load. A window of zero turns it off.
//
// The window adapts to the load: it is as long as it takes about
// kTargetBatch queries to arrive, at most `window`. The saving per query is
// the wake-up divided by the batch, so past that a longer window buys little
// CPU but costs every query its wait. Under heavy load windows get short and
// latency falls; under light load they stay at `window`, which bounds the
// wait.
//
// On a busy machine the thread also wakes late: the scheduler may give it
// the CPU well after its deadline, and the queries of that window wait for
// it too. So the window aims the time from one drain to the next, sleep plus
// that lateness (its running average), at about kTargetBatch arrivals and at
// most `window`: where wake-ups come late the sleeps get shorter, and the
// lateness does the gathering. Batches stay as large, and so does the saving.

#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <type_traits>

namespace phx::dns::net {

class UdpPacer {
public:
    using Clock = std::chrono::steady_clock;

    // Drains that start within `window` of the previous one, this many in a
    // row, mean sustained load: switch to timed drains.
    static constexpr int kBusyStreak = 3;
    // A timed drain that finds fewer datagrams than this is not worth the
    // latency: back to answering on readability.
    static constexpr std::size_t kMinPerWindow = 2;
    // How many queries a window should gather. A timed drain costs five
    // system calls (two yields to the reactor, the sleep, recvmmsg,
    // sendmmsg) where a drain woken by a datagram costs two (udp_direct.hpp)
    // and already finds a few queries under load: the window only pays off
    // at batches several times that, so 16 (measured on this VM: 8 made
    // the window no cheaper than no window at all).
    static constexpr std::size_t kTargetBatch = 16;
    // No shorter windows: below this the sleep itself costs about as much
    // as the wake-up it saves.
    static constexpr std::chrono::microseconds kMinWindow{50};

    explicit UdpPacer(std::chrono::microseconds window) noexcept
        : window_{window}, current_{window} {}

    // True: wait `window()` on a timer before the next drain. False: wait
    // until the socket is readable.
    [[nodiscard]] bool batching() const noexcept { return batching_; }
    // The longest window, as configured.
    [[nodiscard]] std::chrono::microseconds window() const noexcept { return window_; }
    // The window the next timed drain waits, adapted to the load.
    [[nodiscard]] std::chrono::microseconds current_window() const noexcept { return current_; }

    // Blocks until one (current) window after `started` (the previous drain's start).
    // An absolute deadline keeps the drain-to-drain period at one window,
    // however long the drains themselves take.
    // Notes how late the thread woke, for the next windows.
    void sleep_until_next(Clock::time_point started) noexcept {
        static_assert(std::is_same_v<Clock, std::chrono::steady_clock>); // CLOCK_MONOTONIC
        const auto deadline = started + current_;
        const auto ns =
            std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch())
                .count();
        const timespec at{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
        while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) == EINTR) {
        }
        woke_late(Clock::now() - deadline);
    }

    // How late a timed wake-up came after its deadline (public for tests).
    void woke_late(Clock::duration late) noexcept {
        const auto us = std::chrono::duration_cast<std::chrono::microseconds>(late);
        late_ += (us - late_) / 8; // a running average: one odd wake-up moves it little
        current_ = std::min(current_, cap());
    }

    // Back to answering on readability: the worker chose the other way to
    // save wake-ups (udp_mode_judge.hpp).
    void stop() noexcept {
        batching_ = false;
        streak_ = 0;
        current_ = cap();
    }

    // After every drain: how many datagrams it got and when it started.
    void drained(std::size_t datagrams, Clock::time_point now) noexcept {
        if (window_.count() <= 0) return;
        if (batching_) {
            if (datagrams < kMinPerWindow) {
                batching_ = false;
                streak_ = 0;
                current_ = cap();
            } else {
                adapt(datagrams, now - last_drain_);
            }
        } else if (datagrams > 0) {
            streak_ = now - last_drain_ < window_ ? streak_ + 1 : 0;
            if (streak_ >= kBusyStreak) {
                batching_ = true;
                current_ = cap();
                adapt(datagrams, now - last_drain_);
            }
        }
        last_drain_ = now;
    }

private:
    // `datagrams` arrived in `elapsed`: aim the period (window plus the
    // usual lateness) at kTargetBatch of them, moving halfway each drain so
    // that one odd gap does not swing it.
    void adapt(std::size_t datagrams, Clock::duration elapsed) noexcept {
        using std::chrono::microseconds;
        const auto gap = std::chrono::duration_cast<microseconds>(elapsed) /
                         static_cast<microseconds::rep>(datagrams);
        const auto period = std::min(gap * static_cast<microseconds::rep>(kTargetBatch), window_);
        const auto wanted = std::max(period - late_, std::min(kMinWindow, window_));
        current_ = std::min((current_ + wanted) / 2, cap());
    }

    // The longest window the budget leaves after the usual lateness.
    [[nodiscard]] std::chrono::microseconds cap() const noexcept {
        return std::max(std::min(kMinWindow, window_), window_ - late_);
    }

    std::chrono::microseconds window_;
    std::chrono::microseconds current_;
    std::chrono::microseconds late_{0};
    Clock::time_point last_drain_{};
    int streak_ = 0;
    bool batching_ = false;
};

} // namespace phx::dns::net

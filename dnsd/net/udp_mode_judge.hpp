// SPDX-License-Identifier: GPL-3.0-or-later
// Which of the two ways to save wake-ups under sustained load a worker uses:
// waiting inside recvmmsg (udp_direct.hpp: two system calls per wake-up, a
// query answered as soon as it comes) or gathering a window of queries per
// wake-up (udp_pacer.hpp: five system calls per window, and each query
// waits up to a window).
//
// Which one costs less CPU per query is the machine's, not ours. On the
// host this was first measured on, waking a thread was dear (a
// paravirtualised interrupt-enable on every sleep) and the window halved
// the CPU per query; on the next host the direct wait cost as little as the
// window from 15,000 queries/s up, and the window only added ~0.3 ms of wait
// to every query. So the worker measures, as a NIC driver tuning its
// interrupt moderation would if it could: under sustained load it spends
// one epoch in each mode, compares its thread's CPU time per datagram, and
// keeps the window only when it is clearly cheaper, since the window's
// price is paid in latency. The verdict lasts a while and is then tried
// again: the load, and the machine's other work, change.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>

namespace phx::dns::net {

enum class UdpMode { direct, window };

class UdpModeJudge {
public:
    using Clock = std::chrono::steady_clock;
    // The calling thread's CPU time so far.
    using CpuClock = std::chrono::nanoseconds (*)();

    // Each trial epoch lasts at least this long and this many datagrams:
    // long enough that a scheduler tick or an odd wake-up does not decide.
    static constexpr std::chrono::milliseconds kEpoch{100};
    static constexpr std::size_t kEpochDatagrams = 256;
    // The window is kept when it costs at most this share of the direct
    // wait's CPU per datagram: saving less is not worth its wait.
    static constexpr double kWindowAtMost = 0.85;
    // How long a verdict holds before the next sustained load tries again.
    // The losing mode's epoch then costs ~0.3 % of the time.
    static constexpr std::chrono::seconds kVerdictLife{30};
    // A trial survives gaps in the sustained load this short (a mode
    // switch goes through a few drains on readability).
    static constexpr std::chrono::milliseconds kGrace{20};

    static std::chrono::nanoseconds thread_cpu() noexcept {
        timespec ts{};
        ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec};
    }

    // `window_possible`: a batch window is configured. `direct_possible`: the
    // socket may block in recvmmsg. With only one of them there is nothing
    // to judge.
    UdpModeJudge(bool window_possible, bool direct_possible,
                 CpuClock cpu = &UdpModeJudge::thread_cpu) noexcept
        : judging_{window_possible && direct_possible}, cpu_{cpu}, mode_{window_possible
                                                                             ? UdpMode::window
                                                                             : UdpMode::direct} {}

    // The mode sustained load should use now.
    [[nodiscard]] UdpMode mode() const noexcept { return mode_; }
    [[nodiscard]] bool trying() const noexcept { return phase_ != Phase::none; }

    // After every drain: how many datagrams it took, when it started, and
    // whether the worker is in either sustained-load mode after it. True
    // when mode() changed: the worker leaves the mode it is in.
    bool drained(std::size_t datagrams, Clock::time_point now, bool sustained) noexcept {
        if (!judging_) return false;
        if (sustained) last_sustained_ = now;
        if (phase_ == Phase::none) {
            if (!sustained || (verdicts_ > 0 && now - decided_at_ < kVerdictLife)) return false;
            phase_ = Phase::window;
            start_epoch(now);
            return set_mode(UdpMode::window);
        }
        if (!sustained && now - last_sustained_ > kGrace) return abandon();
        // Drains on readability within a trial count too: their CPU does.
        datagrams_ += datagrams;
        if (now - epoch_start_ < kEpoch || datagrams_ < kEpochDatagrams) return false;
        const double per_datagram =
            static_cast<double>((cpu_() - cpu_start_).count()) / static_cast<double>(datagrams_);
        if (phase_ == Phase::window) {
            window_cost_ = per_datagram;
            phase_ = Phase::direct;
            start_epoch(now);
            return set_mode(UdpMode::direct);
        }
        phase_ = Phase::none;
        ++verdicts_;
        decided_at_ = now;
        window_won_ = window_cost_ <= kWindowAtMost * per_datagram;
        return set_mode(window_won_ ? UdpMode::window : UdpMode::direct);
    }

    // How many trials have finished, and whether the window won the last.
    [[nodiscard]] std::uint64_t verdicts() const noexcept { return verdicts_; }
    [[nodiscard]] bool decided() const noexcept { return verdicts_ > 0; }
    [[nodiscard]] bool window_won() const noexcept { return window_won_; }

private:
    enum class Phase { none, window, direct };

    void start_epoch(Clock::time_point now) noexcept {
        epoch_start_ = now;
        datagrams_ = 0;
        cpu_start_ = cpu_();
    }
    // A trial cut short by the load stopping: its epochs compared nothing
    // alike. The mode goes back to the last verdict's, or the window.
    bool abandon() noexcept {
        phase_ = Phase::none;
        return set_mode(verdicts_ == 0 || window_won_ ? UdpMode::window : UdpMode::direct);
    }
    bool set_mode(UdpMode m) noexcept {
        const bool changed = m != mode_;
        mode_ = m;
        return changed;
    }

    bool judging_;
    CpuClock cpu_;
    UdpMode mode_;
    Phase phase_ = Phase::none;
    Clock::time_point epoch_start_{};
    Clock::time_point last_sustained_{};
    Clock::time_point decided_at_{};
    std::chrono::nanoseconds cpu_start_{0};
    std::size_t datagrams_ = 0;
    double window_cost_ = 0;
    std::uint64_t verdicts_ = 0;
    bool window_won_ = false;
};

} // namespace phx::dns::net

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
// two epochs in each mode, compares its thread's CPU time per datagram, and
// keeps the window only when it is clearly cheaper, since the window's
// price is paid in latency. The verdict lasts a while, or until the rate
// moves far from the one it was made at, and is then tried again: the
// load, and the machine's other work, change.
#pragma once

#include <array>
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
    // long enough that a scheduler tick, an odd wake-up or a moment of the
    // hypervisor's steal does not decide.
    static constexpr std::chrono::milliseconds kEpoch{200};
    static constexpr std::size_t kEpochDatagrams = 256;
    // The window is kept when it costs at most this share of the direct
    // wait's CPU per datagram: saving less is not worth its wait.
    static constexpr double kWindowAtMost = 0.85;
    // How long a verdict holds before the next sustained load tries again.
    // The losing mode's two epochs then take ~0.7 % of the time (under 1 %:
    // the window's wait stays out of the 99th percentile).
    static constexpr std::chrono::seconds kVerdictLife{60};
    // A verdict is for the load it was made at: when the rate over a span
    // of sustained load is more than this factor above or below it, the
    // worker tries again at once (the window's saving grows with the rate).
    static constexpr std::chrono::seconds kRateSpan{1};
    static constexpr double kRateChange = 2.0;
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
    [[nodiscard]] bool trying() const noexcept { return epoch_ < kTrial.size(); }

    // After every drain: how many datagrams it took, when it started, and
    // whether the worker is in either sustained-load mode after it. True
    // when mode() changed: the worker leaves the mode it is in.
    bool drained(std::size_t datagrams, Clock::time_point now, bool sustained) noexcept {
        if (!judging_) return false;
        const bool resumed = sustained && now - last_sustained_ > kGrace;
        if (sustained) last_sustained_ = now;
        if (!trying()) {
            if (!sustained) return false;
            if (resumed) { // the rate is measured over unbroken sustained load
                rate_start_ = now;
                rate_datagrams_ = 0;
            }
            if (verdicts_ > 0 && now - decided_at_ < kVerdictLife && !rate_changed(datagrams, now))
                return false;
            cost_ = {};
            epoch_ = 0;
            start_epoch(now);
            return set_mode(kTrial[0]);
        }
        if (!sustained && now - last_sustained_ > kGrace) return abandon();
        // Drains on readability within a trial count too: their CPU does.
        datagrams_ += datagrams;
        if (now - epoch_start_ < kEpoch || datagrams_ < kEpochDatagrams) return false;
        Cost& cost = cost_[static_cast<std::size_t>(kTrial[epoch_])];
        cost.cpu += cpu_() - cpu_start_;
        cost.datagrams += datagrams_;
        if (++epoch_ < kTrial.size()) {
            start_epoch(now);
            return set_mode(kTrial[epoch_]);
        }
        ++verdicts_;
        decided_at_ = now;
        verdict_rate_ = rate(datagrams_, now - epoch_start_);
        rate_start_ = now;
        rate_datagrams_ = 0;
        window_won_ =
            cost_[static_cast<std::size_t>(UdpMode::window)].per_datagram() <=
            kWindowAtMost * cost_[static_cast<std::size_t>(UdpMode::direct)].per_datagram();
        return set_mode(window_won_ ? UdpMode::window : UdpMode::direct);
    }

    // How many trials have finished, and whether the window won the last.
    [[nodiscard]] std::uint64_t verdicts() const noexcept { return verdicts_; }
    [[nodiscard]] bool decided() const noexcept { return verdicts_ > 0; }
    [[nodiscard]] bool window_won() const noexcept { return window_won_; }

private:
    // A trial's epochs, in an order that cancels a steady drift of the
    // machine's pace (and the first epoch's start-up) between the modes.
    static constexpr std::array<UdpMode, 4> kTrial{UdpMode::window, UdpMode::direct,
                                                   UdpMode::direct, UdpMode::window};
    struct Cost {
        std::chrono::nanoseconds cpu{0};
        std::size_t datagrams = 0;
        [[nodiscard]] double per_datagram() const noexcept {
            return static_cast<double>(cpu.count()) / static_cast<double>(datagrams);
        }
    };

    static double rate(std::size_t datagrams, Clock::duration span) noexcept {
        return static_cast<double>(datagrams) / std::chrono::duration<double>(span).count();
    }
    // Counts the drain into the current span; true when a whole span's rate
    // is far from the verdict's.
    bool rate_changed(std::size_t datagrams, Clock::time_point now) noexcept {
        rate_datagrams_ += datagrams;
        if (now - rate_start_ < kRateSpan) return false;
        const double r = rate(rate_datagrams_, now - rate_start_);
        rate_start_ = now;
        rate_datagrams_ = 0;
        return r > kRateChange * verdict_rate_ || r * kRateChange < verdict_rate_;
    }

    void start_epoch(Clock::time_point now) noexcept {
        epoch_start_ = now;
        datagrams_ = 0;
        cpu_start_ = cpu_();
    }
    // A trial cut short by the load stopping: its epochs compared nothing
    // alike. The mode goes back to the last verdict's, or the window.
    bool abandon() noexcept {
        epoch_ = kTrial.size();
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
    std::size_t epoch_ = kTrial.size(); // kTrial.size(): no trial under way
    std::array<Cost, 2> cost_{};
    Clock::time_point epoch_start_{};
    Clock::time_point last_sustained_{};
    Clock::time_point decided_at_{};
    std::chrono::nanoseconds cpu_start_{0};
    std::size_t datagrams_ = 0;
    double verdict_rate_ = 0; // datagrams per second when the verdict was made
    Clock::time_point rate_start_{};
    std::size_t rate_datagrams_ = 0;
    std::uint64_t verdicts_ = 0;
    bool window_won_ = false;
};

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// A token bucket for log lines that strangers can cause: refused transfers
// and bad signatures. Anyone may send those (over UDP with a forged source
// address), and a line for each would let them fill the disk and bury the
// lines that matter. A few per second get through; the rest are counted
// and the count goes out with the next line that does.
#pragma once

#include <chrono>
#include <cstdint>

namespace phx::dns {

class LogBudget {
public:
    using Clock = std::chrono::steady_clock;

    // `per_second` lines on average, `burst` at once.
    constexpr LogBudget(unsigned per_second, unsigned burst) noexcept
        : per_second_{per_second}, burst_{burst}, tokens_{burst} {}

    // Whether a line may be written now; if not, it is counted as suppressed.
    bool admit(Clock::time_point now) noexcept {
        refill(now);
        if (tokens_ == 0) {
            ++suppressed_;
            return false;
        }
        --tokens_;
        return true;
    }

    // The lines suppressed since the last call, to mention in the next line.
    [[nodiscard]] std::uint64_t take_suppressed() noexcept {
        const std::uint64_t n = suppressed_;
        suppressed_ = 0;
        return n;
    }

private:
    void refill(Clock::time_point now) noexcept {
        if (last_ == Clock::time_point{}) last_ = now;
        const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - last_);
        if (elapsed.count() <= 0) return;
        const auto earned = static_cast<std::uint64_t>(elapsed.count()) * per_second_ / 1000000;
        if (earned == 0) return; // keep last_: the fraction accrues until a whole token
        if (earned >= burst_ - tokens_) {
            tokens_ = burst_;
            last_ = now;
        } else { // what earned no whole token yet counts towards the next one
            tokens_ += static_cast<unsigned>(earned);
            last_ += std::chrono::microseconds{static_cast<std::int64_t>(earned * 1000000 /
                                                                         per_second_)};
        }
    }

    unsigned per_second_;
    unsigned burst_;
    unsigned tokens_;
    Clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

} // namespace phx::dns

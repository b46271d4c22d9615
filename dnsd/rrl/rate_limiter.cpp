// SPDX-License-Identifier: GPL-3.0-or-later
// The shared bucket table (see rate_limiter.hpp).
#include "dnsd/rrl/rate_limiter.hpp"

#include <algorithm>

namespace phx::dns::rrl {
namespace {

constexpr std::int64_t kToken = 1000; // one response, in thousandths
constexpr auto kRelaxed = std::memory_order_relaxed;

std::uint64_t pack(std::uint32_t stamp_ms, std::int64_t balance) noexcept {
    const auto low = static_cast<std::uint32_t>(static_cast<std::int32_t>(balance));
    return std::uint64_t{stamp_ms} << 32 | low;
}
std::uint32_t stamp_of(std::uint64_t state) noexcept {
    return static_cast<std::uint32_t>(state >> 32);
}
std::int64_t balance_of(std::uint64_t state) noexcept {
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(state));
}
// Milliseconds from `stamp` to `now` on a clock that wraps every 49 days;
// 0 if another worker, whose clock was read a moment later, stamped it last.
std::uint32_t elapsed(std::uint32_t stamp, std::uint32_t now) noexcept {
    const std::uint32_t d = now - stamp;
    return d > 0x7fffffffu ? 0 : d;
}

} // namespace

RateLimiter::RateLimiter(const Settings& settings) : settings_{settings} {
    // The balance is a signed 32-bit field: the configuration caps rate and
    // window well below what would overflow it (rate * window <= 2e6).
    cap_ = std::int64_t{settings.responses_per_second} * kToken;
    floor_ = -std::int64_t{settings.responses_per_second} * settings.window_seconds * kToken;
    floor_ = std::max<std::int64_t>(floor_, INT32_MIN + kToken);
    std::size_t n = kWays;
    while (n < settings.table_size) n <<= 1;
    mask_ = n - 1;
    slots_ = std::make_unique<Slot[]>(n);
}

std::uint64_t RateLimiter::fresh_state(std::uint32_t now_ms) const noexcept {
    return pack(now_ms, cap_);
}

RateLimiter::Spent RateLimiter::spend(std::int64_t balance,
                                      std::uint32_t elapsed_ms) const noexcept {
    // Refill: responses_per_second thousandths per millisecond, up to a full bucket.
    const std::int64_t refill = std::int64_t{elapsed_ms} * settings_.responses_per_second;
    const std::int64_t available = std::min(cap_, balance + refill);
    if (available >= kToken) return {available - kToken, true};
    // Limited. With a window the limited response costs its token too (debt,
    // down to the floor); without one the bucket keeps what it has.
    if (settings_.window_seconds == 0) return {available, false};
    return {std::max(floor_, available - kToken), false};
}

RateLimiter::Slot& RateLimiter::find_or_claim(std::uint64_t key, std::uint32_t now_ms,
                                              bool& evicted) noexcept {
    // The key is a good hash already: its high bits pick the set.
    const std::size_t set = static_cast<std::size_t>(key >> 20) & mask_ & ~(kWays - 1);
    Slot* victim = nullptr;
    std::uint32_t victim_age = 0;
    for (std::size_t i = 0; i < kWays; ++i) {
        Slot& slot = slots_[set + i];
        const std::uint64_t held = slot.key.load(kRelaxed);
        if (held == key) return slot;
        const std::uint32_t age =
            held == 0 ? UINT32_MAX : elapsed(stamp_of(slot.state.load(kRelaxed)), now_ms);
        if (!victim || age > victim_age) {
            victim = &slot;
            victim_age = age;
        }
    }
    evicted = victim->key.exchange(key, kRelaxed) != 0;
    victim->state.store(fresh_state(now_ms), kRelaxed);
    victim->limited.store(0, kRelaxed);
    return *victim;
}

Outcome RateLimiter::account(std::uint64_t key, std::uint32_t now_ms) noexcept {
    Outcome outcome;
    if (cap_ == 0) return outcome;
    Slot& slot = find_or_claim(key == 0 ? 1 : key, now_ms, outcome.evicted);
    std::uint64_t old = slot.state.load(kRelaxed);
    Spent spent;
    for (;;) {
        const std::uint32_t stamp = stamp_of(old);
        const std::uint32_t gap = elapsed(stamp, now_ms);
        spent = spend(balance_of(old), gap);
        const std::uint32_t new_stamp = gap == 0 ? stamp : now_ms; // never moves back
        if (slot.state.compare_exchange_weak(old, pack(new_stamp, spent.balance), kRelaxed)) break;
    }
    if (spent.passed) return outcome;
    const std::uint32_t limited = slot.limited.fetch_add(1, kRelaxed) + 1;
    const std::uint32_t slip = settings_.slip;
    outcome.decision = slip > 0 && limited % slip == 0 ? Decision::slip : Decision::drop;
    return outcome;
}

} // namespace phx::dns::rrl

// SPDX-License-Identifier: GPL-3.0-or-later
// Response rate limiting (RRL), in the spirit of BIND's, Knot's and NSD's:
// a token bucket per (client network, kind of response, name), in one
// fixed-size table that every worker shares. SO_REUSEPORT spreads one
// source's queries over the workers by its source port, so per-worker
// tables would let a flood with varying ports through once per worker.
//
// Buckets live in sets of four slots; a new key takes an empty slot or the
// one used longest ago in its set, so the table never grows and never
// allocates after construction. Every field is a relaxed atomic: two
// workers racing on one bucket may both spend the same token or evict each
// other's key, which only makes the limit approximate, never unsafe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace phx::dns::rrl {

struct Settings {
    std::uint32_t responses_per_second = 20; // per bucket; 0 turns limiting off
    // Of the limited responses, every slip-th is sent truncated (TC=1) so a
    // real client can retry over TCP; 0: drop all, 1: truncate all.
    std::uint32_t slip = 2;
    // A bucket in debt stays limited: each limited response costs a token
    // too, down to window seconds' worth, so a source that keeps flooding
    // is limited until its rate over the window falls back under the limit
    // (BIND's window). 0: a plain token bucket, rate responses a second get
    // through whatever the load.
    std::uint32_t window_seconds = 15;
    std::size_t table_size = 65536; // buckets, rounded up to a power of two
};

enum class Decision : std::uint8_t { pass, drop, slip };

struct Outcome {
    Decision decision = Decision::pass;
    bool evicted = false; // the key took a slot another key held
};

class RateLimiter {
public:
    explicit RateLimiter(const Settings& settings);

    // Accounts one response for `key` (a hash of the bucket's identity,
    // never 0) at `now_ms`, a millisecond clock that only moves forward.
    // Thread-safe, lock-free, no allocation.
    Outcome account(std::uint64_t key, std::uint32_t now_ms) noexcept;

    [[nodiscard]] const Settings& settings() const noexcept { return settings_; }
    [[nodiscard]] std::size_t slots() const noexcept { return mask_ + 1; }

private:
    static constexpr std::size_t kWays = 4;
    // One bucket: its key, then its state packed so one compare-and-swap
    // updates it: the time of the last update in milliseconds (high half)
    // and the balance in thousandths of a response (low half, signed).
    struct Slot {
        std::atomic<std::uint64_t> key{0};
        std::atomic<std::uint64_t> state{0};
        std::atomic<std::uint32_t> limited{0}; // limited responses, for the slip
    };

    Slot& find_or_claim(std::uint64_t key, std::uint32_t now_ms, bool& evicted) noexcept;
    [[nodiscard]] std::uint64_t fresh_state(std::uint32_t now_ms) const noexcept;
    struct Spent {
        std::int64_t balance = 0;
        bool passed = true;
    };
    // The balance after `elapsed_ms` of refill and one response.
    [[nodiscard]] Spent spend(std::int64_t balance, std::uint32_t elapsed_ms) const noexcept;

    Settings settings_;
    std::int64_t cap_;   // a full bucket: one second's worth, in thousandths
    std::int64_t floor_; // the deepest debt: window seconds' worth
    std::size_t mask_;   // slots - 1, a multiple of kWays minus one
    std::unique_ptr<Slot[]> slots_;
};

} // namespace phx::dns::rrl

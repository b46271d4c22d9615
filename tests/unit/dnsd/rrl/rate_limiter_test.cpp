// SPDX-License-Identifier: GPL-3.0-or-later
// The response rate limiter on a fake millisecond clock: the burst, the
// refill, the debt of the window, the slip, and a table that never grows.
#include "dnsd/rrl/rate_limiter.hpp"

#include <doctest/doctest.h>

using namespace phx::dns::rrl;

namespace {

struct Tally {
    int passed = 0, dropped = 0, slipped = 0;
};

// `count` responses for `key`, `gap_ms` apart, starting at `now` (advanced).
Tally send(RateLimiter& limiter, std::uint64_t key, int count, std::uint32_t gap_ms,
           std::uint32_t& now) {
    Tally t;
    for (int i = 0; i < count; ++i) {
        switch (limiter.account(key, now).decision) {
        case Decision::pass:
            ++t.passed;
            break;
        case Decision::drop:
            ++t.dropped;
            break;
        case Decision::slip:
            ++t.slipped;
            break;
        }
        now += gap_ms;
    }
    return t;
}

} // namespace

TEST_CASE("rrl: a burst of one second's worth passes, then every other limited reply slips") {
    RateLimiter limiter{{10, 2, 0, 1024}};
    std::uint32_t now = 5000;
    const Tally t = send(limiter, 42, 30, 0, now); // all in the same millisecond
    CHECK(t.passed == 10);
    CHECK(t.slipped == 10);
    CHECK(t.dropped == 10);
}

TEST_CASE("rrl: without a window, the rate gets through whatever the load") {
    RateLimiter limiter{{10, 0, 0, 1024}};
    std::uint32_t now = 0;
    send(limiter, 7, 10, 0, now); // empty the bucket
    // 1000 queries a second for 5 seconds: 10 a second pass.
    const Tally t = send(limiter, 7, 5000, 1, now);
    CHECK(t.passed >= 49);
    CHECK(t.passed <= 51);
    CHECK(t.slipped == 0); // slip 0: every limited reply is dropped
}

TEST_CASE("rrl: with a window, a flood stays limited until its debt is paid") {
    RateLimiter limiter{{10, 1, 3, 1024}};
    std::uint32_t now = 0;
    const Tally flood = send(limiter, 9, 2000, 1, now); // 1000/s for 2 s
    CHECK(flood.passed == 10);                          // the first second's burst, then debt
    CHECK(flood.slipped == 1990);                       // slip 1: every limited reply truncated
    // The debt is 3 s worth (30): after 2 s quiet it is still unpaid...
    now += 2000;
    CHECK(limiter.account(9, now).decision != Decision::pass);
    // ...and a source at the rate limit never pays it; quiet for 4 s, it has.
    now += 4000;
    CHECK(limiter.account(9, now).decision == Decision::pass);
}

TEST_CASE("rrl: a source under the rate is never limited") {
    RateLimiter limiter{{10, 2, 15, 1024}};
    std::uint32_t now = 0;
    const Tally t = send(limiter, 11, 500, 120, now); // 8.3 a second for a minute
    CHECK(t.passed == 500);
}

TEST_CASE("rrl: buckets are separate, and zero means off") {
    RateLimiter limiter{{5, 0, 0, 1024}};
    std::uint32_t now = 0;
    CHECK(send(limiter, 1, 20, 0, now).passed == 5);
    CHECK(send(limiter, 2, 20, 0, now).passed == 5);
    RateLimiter off{{0, 0, 0, 1024}};
    CHECK(send(off, 1, 100, 0, now).passed == 100);
}

TEST_CASE("rrl: the table has a fixed size, and new keys evict the stalest in their set") {
    RateLimiter limiter{{5, 0, 0, 1024}};
    CHECK(limiter.slots() == 1024);
    std::uint32_t now = 0;
    int evictions = 0;
    for (std::uint64_t key = 1; key <= 100000; ++key)
        evictions += limiter.account(key * 0x9e3779b97f4a7c15u, now++).evicted ? 1 : 0;
    CHECK(evictions >= 100000 - 1024);
    // Keys that differ only above bit 30 share a set of four slots: a fifth
    // takes the slot used longest ago, not the busy one.
    const std::uint64_t hot = 0x123456789abcdef0u;
    for (std::uint64_t i = 1; i <= 3; ++i) limiter.account(hot + (i << 32), now);
    ++now;
    send(limiter, hot, 5, 0, now); // its bucket is empty now
    ++now;
    CHECK(limiter.account(hot + (4ull << 32), now).evicted);
    CHECK(limiter.account(hot, now).decision == Decision::drop); // still empty: not evicted
}

TEST_CASE("rrl: a clock read a moment earlier by another worker does not move time back") {
    RateLimiter limiter{{10, 0, 0, 1024}};
    std::uint32_t now = 10000;
    send(limiter, 3, 10, 0, now);
    CHECK(limiter.account(3, 9990).decision == Decision::drop);  // 10 ms "in the past"
    CHECK(limiter.account(3, 10100).decision == Decision::pass); // 100 ms after: one token
}

TEST_CASE("rrl: the millisecond clock may wrap") {
    RateLimiter limiter{{10, 0, 0, 1024}};
    std::uint32_t now = 0xffffff00u;
    send(limiter, 5, 10, 0, now);
    now = 0x00000100u; // 512 ms later, across the wrap
    CHECK(send(limiter, 5, 10, 0, now).passed == 5);
}

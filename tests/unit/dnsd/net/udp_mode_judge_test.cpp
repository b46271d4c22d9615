// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/net/udp_mode_judge.hpp"

#include <doctest/doctest.h>

using phx::dns::net::UdpMode;
using phx::dns::net::UdpModeJudge;
using namespace std::chrono_literals;

namespace {

// The thread's CPU time as the tests make it pass.
std::chrono::nanoseconds fake_cpu{0};
std::chrono::nanoseconds read_fake_cpu() {
    return fake_cpu;
}

UdpModeJudge::Clock::time_point at(std::chrono::microseconds t) {
    return UdpModeJudge::Clock::time_point{} + 1h + t;
}

// Drains of 16 datagrams every 500 us from `from` for `span`, each costing
// `per_datagram` of CPU, all in sustained load. Returns how many times the
// judge changed its mode.
int sustained(UdpModeJudge& judge, std::chrono::microseconds from, std::chrono::microseconds span,
              std::chrono::nanoseconds per_datagram) {
    int changes = 0;
    for (auto t = from; t < from + span; t += 500us) {
        fake_cpu += 16 * per_datagram;
        if (judge.drained(16, at(t), true)) ++changes;
    }
    return changes;
}

} // namespace

TEST_CASE("udp mode judge: with only one mode possible it never tries") {
    UdpModeJudge window_only{true, false, &read_fake_cpu};
    UdpModeJudge direct_only{false, true, &read_fake_cpu};
    CHECK(sustained(window_only, 0us, 2s, 5000ns) == 0);
    CHECK(sustained(direct_only, 0us, 2s, 5000ns) == 0);
    CHECK(window_only.mode() == UdpMode::window);
    CHECK(direct_only.mode() == UdpMode::direct);
    CHECK_FALSE(window_only.trying());
    CHECK_FALSE(direct_only.decided());
}

TEST_CASE("udp mode judge: the window is kept where it is clearly cheaper") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    CHECK(judge.mode() == UdpMode::window);
    CHECK_FALSE(judge.drained(16, at(0us), true)); // the trial starts in the window
    CHECK(judge.trying());
    CHECK(sustained(judge, 500us, 99ms, 3000ns) == 0); // not a whole epoch yet
    CHECK(sustained(judge, 100ms, 1ms, 3000ns) == 1);  // the window's epoch is over
    CHECK(judge.mode() == UdpMode::direct);
    CHECK(sustained(judge, 101ms, 101ms, 5000ns) == 1); // waiting in recvmmsg costs more
    CHECK_FALSE(judge.trying());
    CHECK(judge.decided());
    CHECK(judge.window_won());
    CHECK(judge.mode() == UdpMode::window);
}

TEST_CASE("udp mode judge: a window that saves little is not worth its wait") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    CHECK(sustained(judge, 0us, 101ms, 4500ns) == 1);
    CHECK(judge.mode() == UdpMode::direct);
    CHECK(sustained(judge, 101ms, 101ms, 5000ns) == 0); // 0.9x: the direct wait stays
    CHECK(judge.decided());
    CHECK_FALSE(judge.window_won());
    CHECK(judge.mode() == UdpMode::direct);
}

TEST_CASE("udp mode judge: an epoch needs enough datagrams as well as time") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    int changes = 0;
    for (auto t = 0us; t < 300ms; t += 2ms) { // one datagram per drain: 500 per second
        fake_cpu += 5000ns;
        if (judge.drained(1, at(t), true)) ++changes;
    }
    CHECK(changes == 0); // 150 datagrams in 300 ms
    CHECK(judge.mode() == UdpMode::window);
    CHECK(judge.trying());
}

TEST_CASE("udp mode judge: a verdict holds for a while, then the next load tries again") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    sustained(judge, 0us, 202ms, 5000ns);
    REQUIRE(judge.decided());
    CHECK(judge.mode() == UdpMode::direct);
    CHECK_FALSE(judge.drained(0, at(1s), false));  // idle
    CHECK(sustained(judge, 10s, 1s, 5000ns) == 0); // within the verdict's life
    CHECK_FALSE(judge.trying());
    CHECK(sustained(judge, 40s, 1ms, 2000ns) == 1); // a new trial starts in the window
    CHECK(judge.trying());
    CHECK(judge.mode() == UdpMode::window);
    CHECK(sustained(judge, 40001ms, 100ms, 2000ns) == 1);
    CHECK(sustained(judge, 40101ms, 101ms, 5000ns) == 1); // the machine changed: window now
    CHECK(judge.window_won());
}

TEST_CASE("udp mode judge: load that stops ends a trial, a short gap does not") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    sustained(judge, 0us, 101ms, 5000ns);
    REQUIRE(judge.mode() == UdpMode::direct); // trying the direct wait
    // A mode switch passes through a few drains on readability.
    CHECK_FALSE(judge.drained(1, at(101ms), false));
    CHECK_FALSE(judge.drained(1, at(110ms), false));
    CHECK(judge.trying());
    CHECK(judge.mode() == UdpMode::direct);
    // The load is gone: the trial compared nothing alike, and the mode goes
    // back to the window (there is no verdict yet).
    CHECK(judge.drained(1, at(150ms), false));
    CHECK_FALSE(judge.trying());
    CHECK_FALSE(judge.decided());
    CHECK(judge.mode() == UdpMode::window);
}

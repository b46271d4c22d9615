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

// One epoch of a trial, and a verdict's life.
constexpr std::chrono::microseconds E = UdpModeJudge::kEpoch;
constexpr std::chrono::microseconds L = UdpModeJudge::kVerdictLife;

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
    CHECK(sustained(judge, 500us, E - 1ms, 3000ns) == 0); // not a whole epoch yet
    CHECK(sustained(judge, E, 1ms, 3000ns) == 1);         // the window's first epoch is over
    CHECK(judge.mode() == UdpMode::direct);
    // Two epochs of waiting in recvmmsg, which costs more, then the window again.
    CHECK(sustained(judge, E + 1ms, 2 * E, 5000ns) == 1);
    CHECK(judge.mode() == UdpMode::window);
    CHECK(judge.trying());
    CHECK(sustained(judge, 3 * E + 1ms, E, 3000ns) == 0);
    CHECK_FALSE(judge.trying());
    CHECK(judge.decided());
    CHECK(judge.window_won());
    CHECK(judge.mode() == UdpMode::window);
}

TEST_CASE("udp mode judge: a window that saves little is not worth its wait") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    CHECK(sustained(judge, 0us, E + 1ms, 4500ns) == 1);
    CHECK(sustained(judge, E + 1ms, 2 * E, 5000ns) == 1);
    CHECK(sustained(judge, 3 * E + 1ms, E, 4500ns) == 1); // 0.9x: back to the direct wait
    CHECK(judge.decided());
    CHECK_FALSE(judge.window_won());
    CHECK(judge.mode() == UdpMode::direct);
}

TEST_CASE("udp mode judge: the epochs' order cancels a steady drift of the machine") {
    // Every datagram costs 10 ns more than the one before, in either mode:
    // the window's epochs come first and last, so they average what the
    // direct wait's two in the middle do, and the equal modes stay equal.
    UdpModeJudge judge{true, true, &read_fake_cpu};
    auto cost = 3000ns;
    for (auto t = 0us; t < 4 * E + 2ms; t += 500us) {
        fake_cpu += 16 * cost;
        cost += 10ns;
        judge.drained(16, at(t), true);
    }
    REQUIRE(judge.decided());
    CHECK_FALSE(judge.window_won()); // not 15 % cheaper: it is not cheaper at all
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
    sustained(judge, 0us, 4 * E + 2ms, 5000ns);
    REQUIRE(judge.decided());
    CHECK(judge.mode() == UdpMode::direct);
    CHECK_FALSE(judge.drained(0, at(5 * E), false)); // idle
    CHECK(sustained(judge, L / 2, 1s, 5000ns) == 0); // within the verdict's life
    CHECK_FALSE(judge.trying());
    const auto later = L + 10s;
    CHECK(sustained(judge, later, 1ms, 2000ns) == 1); // a new trial starts in the window
    CHECK(judge.trying());
    CHECK(judge.mode() == UdpMode::window);
    CHECK(sustained(judge, later + 1ms, E, 2000ns) == 1);
    CHECK(sustained(judge, later + E + 1ms, 2 * E, 5000ns) == 1);
    CHECK(sustained(judge, later + 3 * E + 1ms, E, 2000ns) == 0); // the machine changed: window now
    CHECK(judge.verdicts() == 2);
    CHECK(judge.window_won());
}

TEST_CASE("udp mode judge: load that stops ends a trial, a short gap does not") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    sustained(judge, 0us, E + 1ms, 5000ns);
    REQUIRE(judge.mode() == UdpMode::direct); // trying the direct wait
    // A mode switch passes through a few drains on readability.
    CHECK_FALSE(judge.drained(1, at(E + 1ms), false));
    CHECK_FALSE(judge.drained(1, at(E + 10ms), false));
    CHECK(judge.trying());
    CHECK(judge.mode() == UdpMode::direct);
    // The load is gone: the trial compared nothing alike, and the mode goes
    // back to the window (there is no verdict yet).
    CHECK(judge.drained(1, at(E + 50ms), false));
    CHECK_FALSE(judge.trying());
    CHECK_FALSE(judge.decided());
    CHECK(judge.mode() == UdpMode::window);
}

TEST_CASE("udp mode judge: a verdict is tried again when the rate moves far from its own") {
    UdpModeJudge judge{true, true, &read_fake_cpu};
    sustained(judge, 0us, 4 * E + 2ms, 5000ns); // 32,000 datagrams a second
    REQUIRE(judge.decided());
    CHECK(sustained(judge, 4 * E + 2ms, 3s, 5000ns) == 0); // the same rate: the verdict holds
    CHECK_FALSE(judge.trying());
    const auto pause = 4 * E + 4s;
    CHECK_FALSE(judge.drained(0, at(pause), false)); // a pause, then a quarter of the rate
    for (auto t = pause + 1s; t < pause + 2100ms; t += 2ms) {
        fake_cpu += 16 * 5000ns;
        judge.drained(16, at(t), true);
    }
    CHECK(judge.trying());
    CHECK(judge.verdicts() == 1);
}

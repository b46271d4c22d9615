// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/net/udp_pacer.hpp"

#include <doctest/doctest.h>

using phx::dns::net::UdpPacer;
using namespace std::chrono_literals;

namespace {
UdpPacer::Clock::time_point at(std::chrono::microseconds t) {
    return UdpPacer::Clock::time_point{} + 1h + t;
}
} // namespace

TEST_CASE("udp pacer: a lone query now and then is answered on readability") {
    UdpPacer pacer{500us};
    for (int i = 0; i < 100; ++i) {
        pacer.drained(1, at(i * 2000us)); // 500 queries per second
        CHECK_FALSE(pacer.batching());
    }
}

TEST_CASE("udp pacer: sustained load switches to timed drains, and back when it ends") {
    UdpPacer pacer{500us};
    pacer.drained(1, at(0us));
    pacer.drained(1, at(40us));
    CHECK_FALSE(pacer.batching());
    pacer.drained(1, at(80us));
    pacer.drained(1, at(120us));
    CHECK(pacer.batching());
    pacer.drained(15, at(620us)); // a full window keeps it batching
    CHECK(pacer.batching());
    pacer.drained(1, at(1120us)); // the load is gone: answer at once again
    CHECK_FALSE(pacer.batching());
    pacer.drained(1, at(9000us));
    CHECK_FALSE(pacer.batching());
}

TEST_CASE("udp pacer: a pause in a burst resets the streak") {
    UdpPacer pacer{500us};
    pacer.drained(1, at(0us));
    pacer.drained(1, at(100us));
    pacer.drained(1, at(5000us)); // far from the previous one
    pacer.drained(1, at(5100us));
    CHECK_FALSE(pacer.batching());
}

TEST_CASE("udp pacer: bursts far apart are not sustained load") {
    UdpPacer pacer{500us};
    for (int i = 0; i < 10; ++i) pacer.drained(8, at(i * 10000us)); // a stub's A+AAAA bursts
    CHECK_FALSE(pacer.batching());
}

TEST_CASE("udp pacer: a zero window never batches") {
    UdpPacer pacer{0us};
    for (int i = 0; i < 100; ++i) pacer.drained(32, at(i * 10us));
    CHECK_FALSE(pacer.batching());
}

TEST_CASE("udp pacer: the window shrinks to about sixteen arrivals under heavy load") {
    UdpPacer pacer{500us};
    auto t = 0us;
    for (int i = 0; i < 4; ++i) pacer.drained(2, at(t += 32us)); // 62k qps, two per wake-up
    REQUIRE(pacer.batching());
    for (int i = 0; i < 20; ++i) {
        t += pacer.current_window();
        pacer.drained(pacer.current_window() / 16us, at(t));
    }
    CHECK(pacer.batching());
    CHECK(pacer.current_window() >= 200us);
    CHECK(pacer.current_window() <= 330us); // 16 x 16 us, not the configured 500 us
}

TEST_CASE("udp pacer: at 30k qps sixteen arrivals take the whole window") {
    UdpPacer pacer{500us};
    auto t = 0us;
    for (int i = 0; i < 4; ++i) pacer.drained(2, at(t += 66us));
    REQUIRE(pacer.batching());
    for (int i = 0; i < 20; ++i) {
        t += pacer.current_window();
        pacer.drained(pacer.current_window() / 33us, at(t));
    }
    CHECK(pacer.current_window() > 450us);
}

TEST_CASE("udp pacer: the window never exceeds its setting, nor falls below the minimum") {
    UdpPacer light{500us};
    auto t = 0us;
    for (int i = 0; i < 4; ++i) light.drained(1, at(t += 400us)); // 2.5k qps
    REQUIRE(light.batching());
    for (int i = 0; i < 20; ++i) light.drained(2, at(t += light.current_window()));
    CHECK(light.current_window() == 500us);

    UdpPacer heavy{500us};
    t = 0us;
    for (int i = 0; i < 4; ++i) heavy.drained(32, at(t += 10us)); // millions of qps
    for (int i = 0; i < 20; ++i) heavy.drained(32, at(t += heavy.current_window()));
    CHECK(heavy.current_window() >= UdpPacer::kMinWindow);
    CHECK(heavy.current_window() < 60us);
}

TEST_CASE("udp pacer: when the load ends the next burst starts from the full window") {
    UdpPacer pacer{500us};
    auto t = 0us;
    for (int i = 0; i < 4; ++i) pacer.drained(4, at(t += 20us));
    REQUIRE(pacer.batching());
    CHECK(pacer.current_window() < 500us);
    pacer.drained(0, at(t += pacer.current_window()));
    CHECK_FALSE(pacer.batching());
    CHECK(pacer.current_window() == 500us);
}

TEST_CASE("udp pacer: the usual lateness of wake-ups comes out of the window") {
    UdpPacer pacer{500us};
    auto t = 0us;
    for (int i = 0; i < 4; ++i) pacer.drained(1, at(t += 400us)); // light load: full windows
    REQUIRE(pacer.batching());
    REQUIRE(pacer.current_window() == 500us);
    pacer.woke_late(300us); // one late wake-up moves it little
    CHECK(pacer.current_window() > 450us);
    for (int i = 0; i < 30; ++i) pacer.woke_late(300us); // a busy machine: always 300 us late
    CHECK(pacer.current_window() <= 210us);
    pacer.drained(2, at(t += 500us));
    CHECK(pacer.current_window() <= 210us);
    for (int i = 0; i < 200; ++i) {
        pacer.woke_late(0us);
        pacer.drained(2, at(t += 500us));
    }
    CHECK(pacer.current_window() > 450us); // the machine has been quiet for a while
    for (int i = 0; i < 30; ++i) pacer.woke_late(2000us); // later than the whole budget
    // the shortest window: the lateness alone gathers the batch
    CHECK(pacer.current_window() == UdpPacer::kMinWindow);
}

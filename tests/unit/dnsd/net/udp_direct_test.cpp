// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/net/udp_direct.hpp"

#include <doctest/doctest.h>

using phx::dns::net::UdpDirect;
using namespace std::chrono_literals;

namespace {
UdpDirect::Clock::time_point at(std::chrono::microseconds t) {
    return UdpDirect::Clock::time_point{} + 1h + t;
}
} // namespace

TEST_CASE("udp direct: lone queries keep waiting in the reactor") {
    UdpDirect direct{500us};
    for (int i = 0; i < 100; ++i) CHECK_FALSE(direct.busy_after(1, at(i * 2000us)));
}

TEST_CASE("udp direct: drains close together switch to blocking receives") {
    UdpDirect direct{500us};
    CHECK_FALSE(direct.busy_after(1, at(0us)));
    CHECK_FALSE(direct.busy_after(1, at(40us)));
    CHECK_FALSE(direct.busy_after(0, at(60us))); // an empty drain counts for nothing
    CHECK_FALSE(direct.busy_after(2, at(80us)));
    CHECK(direct.busy_after(1, at(120us)));
    direct.enter(at(120us));
    CHECK(direct.active());
    direct.leave();
    CHECK_FALSE(direct.active());
    CHECK_FALSE(direct.busy_after(1, at(200us))); // the streak starts over
}

TEST_CASE("udp direct: the rest of the worker gets a turn at least once per turn") {
    UdpDirect direct{500us};
    direct.enter(at(0us));
    CHECK_FALSE(direct.turn_due(at(100us)));
    CHECK_FALSE(direct.turn_due(at(499us)));
    CHECK(direct.turn_due(at(500us)));
    CHECK_FALSE(direct.turn_due(at(900us)));
    CHECK(direct.turn_due(at(1000us)));
}

TEST_CASE("udp direct: a zero turn never blocks") {
    UdpDirect direct{0us};
    CHECK_FALSE(direct.enabled());
    for (int i = 0; i < 100; ++i) CHECK_FALSE(direct.busy_after(32, at(i * 10us)));
}

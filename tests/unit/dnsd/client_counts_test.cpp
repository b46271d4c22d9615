// SPDX-License-Identifier: GPL-3.0-or-later
// Per-client counts: a client stops at its limit while others go on; an
// IPv6 client is its /64, so new addresses from one host gain nothing.
#include "dnsd/client_counts.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::dns;

TEST_CASE("client counts: one client stops at its limit, another still gets in") {
    ClientCounts counts{2};
    const auto a = *IpAddress::parse("192.0.2.1");
    const auto b = *IpAddress::parse("192.0.2.2");
    CHECK(counts.try_add(a));
    CHECK(counts.try_add(a));
    CHECK_FALSE(counts.try_add(a));
    CHECK(counts.count(a) == 2);
    CHECK(counts.try_add(b));
    counts.remove(a);
    CHECK(counts.try_add(a));
    counts.remove(a);
    counts.remove(a);
    counts.remove(a); // one more than it holds: ignored
    CHECK(counts.count(a) == 0);
    CHECK(counts.clients() == 1); // clients holding nothing leave no entry behind
}

TEST_CASE("client counts: IPv6 clients are counted by /64") {
    ClientCounts counts{1};
    CHECK(counts.try_add(*IpAddress::parse("2001:db8:1:2::1")));
    CHECK_FALSE(counts.try_add(*IpAddress::parse("2001:db8:1:2:ffff::9")));
    CHECK(counts.try_add(*IpAddress::parse("2001:db8:1:3::1")));
    CHECK(counts.try_add(*IpAddress::parse("32.1.13.184"))); // not confused with 2001:0db8::
}

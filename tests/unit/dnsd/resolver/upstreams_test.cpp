// SPDX-License-Identifier: GPL-3.0-or-later
// Upstream health: one slow name never sets an upstream aside; three
// distinct names failing in a row do; a refusal from the network does at
// once; and when all are set aside they are still tried.
#include "dnsd/resolver/upstreams.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::dns::resolver;
using std::chrono::seconds;
using Indexes = std::vector<std::size_t>;

namespace {

Upstreams two() {
    return Upstreams{{*Endpoint::parse("127.0.0.1:1"), *Endpoint::parse("127.0.0.1:2")}};
}

} // namespace

TEST_CASE("upstreams: one name timing out again and again never sets an upstream aside") {
    auto u = two();
    const auto t0 = Upstreams::Clock::now();
    for (int i = 0; i < 20; ++i)
        CHECK(u.failed(0, UpstreamFailure::timeout, "slow.example", t0) == seconds{0});
    CHECK(u.order(t0) == Indexes{0, 1});
}

TEST_CASE("upstreams: three distinct names in a row set it aside, a good answer between resets") {
    auto u = two();
    const auto t0 = Upstreams::Clock::now();
    CHECK(u.failed(0, UpstreamFailure::timeout, "a", t0) == seconds{0});
    CHECK(u.failed(0, UpstreamFailure::unusable, "b", t0) == seconds{0});
    u.succeeded(0);
    CHECK(u.failed(0, UpstreamFailure::timeout, "c", t0) == seconds{0});
    CHECK(u.failed(0, UpstreamFailure::timeout, "d", t0) == seconds{0});
    CHECK(u.order(t0) == Indexes{0, 1});
    CHECK(u.failed(0, UpstreamFailure::timeout, "e", t0) == seconds{1});
    CHECK(u.order(t0) == Indexes{1});
    CHECK(u.in_backoff(0, t0));
    CHECK(u.order(t0 + seconds{1}) == Indexes{0, 1});
}

TEST_CASE("upstreams: a refusal sets it aside at once, and the back-off doubles until an answer") {
    auto u = two();
    const auto t0 = Upstreams::Clock::now();
    CHECK(u.failed(0, UpstreamFailure::unreachable, "a", t0) == seconds{1});
    CHECK(u.failed(0, UpstreamFailure::unreachable, "a", t0) == seconds{0}); // already aside
    CHECK(u.order(t0) == Indexes{1});
    // Back after one second, one more failure is enough, for two seconds now.
    const auto t1 = t0 + seconds{1};
    CHECK(u.failed(0, UpstreamFailure::timeout, "b", t1) == seconds{0}); // not a new log line
    CHECK(u.order(t1 + seconds{1}) == Indexes{1});
    CHECK(u.order(t1 + seconds{2}) == Indexes{0, 1});
    u.succeeded(0);
    CHECK(u.order(t1) == Indexes{0, 1});
    CHECK(u.failed(0, UpstreamFailure::timeout, "c", t1) ==
          seconds{0}); // healthy again: counts anew
}

TEST_CASE("upstreams: when every one is set aside, all are tried, soonest retry first") {
    auto u = two();
    const auto t0 = Upstreams::Clock::now();
    u.failed(1, UpstreamFailure::unreachable, "a", t0);
    u.failed(0, UpstreamFailure::unreachable, "a",
             t0 + seconds{0} + std::chrono::milliseconds{500});
    CHECK(u.order(t0 + std::chrono::milliseconds{600}) == Indexes{1, 0});
    Upstreams one{{*Endpoint::parse("127.0.0.1:1")}};
    for (const char* name : {"a", "b", "c"}) one.failed(0, UpstreamFailure::timeout, name, t0);
    CHECK(one.in_backoff(0, t0));
    CHECK(one.order(t0) == Indexes{0}); // the only way out stays open
}

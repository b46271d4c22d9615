// SPDX-License-Identifier: GPL-3.0-or-later
// A worker's guard around answer(), on real replies: the rate limit with its
// slip, lifted by a valid cookie or the allow list, and the counters the
// metrics endpoint renders from it. The guard's millisecond clock is read
// once (tick) and not again, so no token is refilled during a test.
#include "dnsd/net/query_guard.hpp"
#include "unit/dnsd/edns_util.hpp"
#include "unit/dnsd/message_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::Bytes;
using phx::test::decode;
using phx::test::option;
using phx::test::query_with;
using phx::test::reply_options;
using phx::test::test_zones;

namespace {

IpAddress ip(std::string_view text) {
    auto a = IpAddress::parse(text);
    REQUIRE(a);
    return *a;
}

const Bytes kClientCookie{1, 2, 3, 4, 5, 6, 7, 8};

// One worker's guard, by default over a limiter of one response a second
// (a burst of one), slip 2, no window; 10.0.0.0/8 may recurse.
struct Worker {
    rrl::RateLimiter limiter;
    net::GuardSettings settings;
    std::unique_ptr<net::QueryGuard> guard;

    explicit Worker(bool limit = true, std::uint32_t slip = 2) : limiter{{1, slip, 0, 1024}} {
        settings.nsid = {'n', 's', '1'};
        settings.exempt = {*Cidr::parse("10.0.0.0/8")};
        settings.limiter = limit ? &limiter : nullptr;
        settings.bucket_key = SipHasher::Key{9};
        guard = std::make_unique<net::QueryGuard>(settings);
        const std::vector<CookieSecret> secrets{CookieSecret{1, 2, 3}};
        guard->set_cookie_secrets(secrets);
        guard->tick();
    }

    // The reply as it would go out over UDP; empty if it is dropped.
    Bytes udp(const Bytes& query, std::string_view client) {
        AnswerOptions options{Transport::udp, 1232, false};
        guard->prepare(options, ip(client));
        Bytes out(kMaxMessageSize);
        const AnswerResult result = answer(query, test_zones(), options, out);
        std::size_t size = result.size;
        if (!guard->admit_udp(ip(client), result, out, size)) return {};
        out.resize(size);
        return out;
    }

    [[nodiscard]] std::string metrics() const {
        const GuardCounters* counters[] = {&guard->counters()};
        return render_guard_metrics(counters);
    }
};

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos;
}

} // namespace

TEST_CASE("guard: over the limit, replies are dropped and every second one slips as TC") {
    Worker w;
    const Bytes query = query_with("www.phx.test", RrType::a, option(10, kClientCookie));
    const Bytes first = w.udp(query, "198.51.100.7");
    REQUIRE_FALSE(first.empty());
    CHECK(decode(first).answer.size() == 1);
    std::vector<Bytes> over;
    for (int i = 0; i < 6; ++i) over.push_back(w.udp(query, "198.51.100.7"));
    for (int i = 0; i < 6; ++i) {
        CAPTURE(i);
        // The 1st, 3rd, 5th limited reply is dropped; the 2nd, 4th, 6th slips.
        REQUIRE(over[static_cast<std::size_t>(i)].empty() == (i % 2 == 0));
    }
    const auto slipped = decode(over[1]);
    CHECK(slipped.flag(flag::tc));
    CHECK(slipped.answer.empty());
    CHECK(slipped.qname == "www.phx.test.");
    // The slip keeps the OPT record and its new cookie: the client can come
    // back with it, over UDP, and is then not limited.
    CHECK(reply_options(over[1]).at(10).size() == 24);
    const std::string m = w.metrics();
    CHECK(has_line(m, "phx_dnsd_rrl_dropped_total 3"));
    CHECK(has_line(m, "phx_dnsd_rrl_slipped_total 3"));
    CHECK(has_line(m, "phx_dnsd_cookies_total{result=\"new\"} 7"));
    // Made for the one reply that passed and the three that slipped.
    CHECK(has_line(m, "phx_dnsd_cookies_issued_total 4"));
}

TEST_CASE("guard: slip 0 drops every limited reply, slip 1 truncates every one") {
    for (const std::uint32_t slip : {0u, 1u}) {
        CAPTURE(slip);
        Worker w{true, slip};
        const Bytes query = query_with("www.phx.test", RrType::a, {});
        CHECK_FALSE(w.udp(query, "198.51.100.7").empty());
        int sent = 0;
        for (int i = 0; i < 10; ++i) sent += w.udp(query, "198.51.100.7").empty() ? 0 : 1;
        CHECK(sent == (slip == 0 ? 0 : 10));
        const std::string m = w.metrics();
        CHECK(has_line(m, "phx_dnsd_rrl_dropped_total " + std::to_string(slip == 0 ? 10 : 0)));
        CHECK(has_line(m, "phx_dnsd_rrl_slipped_total " + std::to_string(slip == 0 ? 0 : 10)));
    }
}

TEST_CASE("guard: a valid server cookie lifts the limit, an invalid one does not") {
    Worker w;
    const std::string client = "198.51.100.7";
    const Bytes first =
        w.udp(query_with("www.phx.test", RrType::a, option(10, kClientCookie)), client);
    const Bytes cookie = reply_options(first).at(10);
    const Bytes with_cookie = query_with("www.phx.test", RrType::a, option(10, cookie));
    for (int i = 0; i < 20; ++i) {
        const Bytes reply = w.udp(with_cookie, client);
        REQUIRE_FALSE(reply.empty());
        CHECK_FALSE(decode(reply).flag(flag::tc));
        CHECK(decode(reply).answer.size() == 1);
    }
    // The same cookie from another address of the /24 is not valid there:
    // that address is limited with the rest of its network.
    Bytes forged = w.udp(with_cookie, "198.51.100.8");
    Bytes forged2 = w.udp(with_cookie, "198.51.100.8");
    CHECK(forged.empty() != forged2.empty()); // one dropped, one slipped
    const std::string m = w.metrics();
    CHECK(has_line(m, "phx_dnsd_cookies_total{result=\"valid\"} 20"));
    CHECK(has_line(m, "phx_dnsd_cookies_total{result=\"invalid\"} 2"));
    CHECK(has_line(m, "phx_dnsd_rrl_dropped_total 1"));
    CHECK(has_line(m, "phx_dnsd_rrl_slipped_total 1"));
    // Echoed while young: only the first reply and the slipped one made cookies.
    CHECK(has_line(m, "phx_dnsd_cookies_issued_total 2"));
}

TEST_CASE("guard: clients that may recurse are never limited, and other networks have their own "
          "buckets") {
    Worker w;
    const Bytes query = query_with("www.phx.test", RrType::a, {});
    for (int i = 0; i < 20; ++i) REQUIRE_FALSE(w.udp(query, "10.1.2.3").empty());
    CHECK_FALSE(w.udp(query, "198.51.100.7").empty());
    CHECK_FALSE(w.udp(query, "198.51.101.7").empty()); // another /24
    CHECK(w.udp(query, "198.51.100.200").empty());     // the same /24, over its limit
    CHECK(has_line(w.metrics(), "phx_dnsd_rrl_dropped_total 1"));
}

TEST_CASE("guard: without a limiter every reply goes out, and NSID only to who asks") {
    Worker w{false};
    const Bytes asked = query_with("www.phx.test", RrType::a, option(3, {}));
    for (int i = 0; i < 20; ++i) {
        const Bytes reply = w.udp(asked, "198.51.100.7");
        REQUIRE_FALSE(reply.empty());
        CHECK(reply_options(reply).at(3) == Bytes{'n', 's', '1'});
    }
    CHECK(reply_options(w.udp(query_with("www.phx.test", RrType::a, {}), "198.51.100.7")).empty());
    const std::string m = w.metrics();
    CHECK(has_line(m, "phx_dnsd_rrl_dropped_total 0"));
    CHECK(has_line(m, "phx_dnsd_cookies_total{result=\"valid\"} 0"));
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The reply cache against answer() itself: every query, in whatever case
// and whichever order, gets through the cache the very bytes answer()
// writes for it, and what must not be cached is not.
#include "dnsd/answer.hpp"
#include "dnsd/cookies/server_cookie.hpp"
#include "dnsd/reply_cache.hpp"
#include "unit/dnsd/message_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <random>
#include <string>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::make_query;
using phx::test::QueryOptions;
using phx::test::test_zones;

namespace {

struct Replied {
    AnswerResult result;
    std::vector<std::uint8_t> bytes;
    bool hit = false;
};

Replied direct(const std::vector<std::uint8_t>& query, const AnswerOptions& options) {
    Replied r;
    r.bytes.resize(1232);
    r.result = answer(query, test_zones(), options, r.bytes);
    r.bytes.resize(r.result.size);
    return r;
}

// As the UDP transport asks (udp_transport.cpp).
Replied cached(ReplyCache& cache, const std::vector<std::uint8_t>& query,
               const AnswerOptions& options) {
    Replied r;
    r.bytes.resize(1232);
    const std::uint64_t hits = cache.hits();
    r.result = cache.answer(query, test_zones(), options, r.bytes);
    r.hit = cache.hits() > hits;
    r.bytes.resize(r.result.size);
    return r;
}

bool same(const AnswerResult& a, const AnswerResult& b) {
    return a.size == b.size && a.disposition == b.disposition && a.rcode == b.rcode &&
           a.qtype == b.qtype && a.cookie == b.cookie && a.cookie_issued == b.cookie_issued &&
           a.zone == b.zone;
}

std::string random_case(std::string name, std::mt19937& rng) {
    for (char& c : name)
        if (std::isalpha(static_cast<unsigned char>(c)) && rng() % 2)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return name;
}

} // namespace

TEST_CASE("reply cache: every query gets the bytes answer() writes for it, in any case") {
    // Names for every path of the answer: data, NODATA, NXDOMAIN, CNAME
    // chains and loops, wildcards, a referral with glue, the apex, names
    // outside every zone, a truncated RRset.
    const std::vector<std::string> names{
        "www.phx.test",         "phx.test",          "nosuch.phx.test",   "alias.phx.test",
        "chain.phx.test",       "loop1.phx.test",    "x.wild.phx.test",   "explicit.wild.phx.test",
        "y.wildalias.phx.test", "host.sub.phx.test", "b.deep.phx.test",   "mixedcase.phx.test",
        "big.phx.test",         "www.example.com",   "_sip._tcp.phx.test"};
    const std::uint16_t types[] = {1, 28, 16, 6, 2, 15, 33, 255};
    std::mt19937 rng{20261205};
    ReplyCache cache;
    std::size_t hits = 0;
    std::size_t queries = 0;
    for (int round = 0; round < 20000; ++round) {
        const std::string name = random_case(names[rng() % names.size()], rng);
        QueryOptions o;
        o.id = static_cast<std::uint16_t>(rng());
        o.flags = rng() % 2 ? 0x0100 : 0; // RD
        if (rng() % 3 != 0) {
            o.edns_size = rng() % 2 ? 1232 : 4096;
            o.edns_flags = rng() % 2 ? 0x8000 : 0; // DO
        }
        const auto query = make_query(name, types[rng() % std::size(types)], o);
        AnswerOptions options{Transport::udp, 1232, rng() % 4 == 0};
        const Replied expected = direct(query, options);
        const Replied got = cached(cache, query, options);
        CAPTURE(name);
        REQUIRE(got.bytes == expected.bytes);
        REQUIRE(same(got.result, expected.result));
        hits += got.hit;
        ++queries;
    }
    // ~2,400 keys over 1,024 slots: many queries repeat a key with another
    // ID and case and are served from the cache.
    CHECK(hits > queries / 4);
    CHECK(cache.hits() == hits);
}

TEST_CASE("reply cache: what depends on more than the query is never kept") {
    ReplyCache cache;
    const AnswerOptions plain{Transport::udp, 1232, false};
    const auto query = make_query("www.phx.test", 1);
    const auto probe = cache.probe(query, false);
    REQUIRE(probe.cacheable);
    std::vector<std::uint8_t> out(1232);
    AnswerResult result = answer(query, test_zones(), plain, out);

    SUBCASE("a reply with a cookie") {
        AnswerResult with_cookie = result;
        with_cookie.cookie = CookieVerdict::valid;
        cache.store(probe, std::span{out}.first(result.size), with_cookie);
        with_cookie.cookie = CookieVerdict::none;
        with_cookie.cookie_issued = true;
        cache.store(probe, std::span{out}.first(result.size), with_cookie);
    }
    SUBCASE("a transfer, a name for the forwarder, a drop") {
        for (const auto d : {Disposition::transfer, Disposition::not_ours, Disposition::drop}) {
            AnswerResult other = result;
            other.disposition = d;
            cache.store(probe, std::span{out}.first(result.size), other);
        }
    }
    SUBCASE("a reply for another client's RA") {
        cache.store(cache.probe(query, true), std::span{out}.first(result.size), result);
    }
    SUBCASE("anything, once the zones change") {
        cache.store(probe, std::span{out}.first(result.size), result);
        AnswerResult found;
        REQUIRE(cache.find(probe, query, out, found));
        cache.clear();
    }
    AnswerResult found;
    CHECK_FALSE(cache.find(probe, query, out, found));
}

TEST_CASE("reply cache: queries it cannot key pass by") {
    ReplyCache cache;
    auto query = make_query("www.phx.test", 1);
    SUBCASE("no question, or two") {
        query[5] = 0;
        CHECK_FALSE(cache.probe(query, false).cacheable);
        query[5] = 2;
        CHECK_FALSE(cache.probe(query, false).cacheable);
    }
    SUBCASE("a name that runs past the message") {
        query.resize(14);
        CHECK_FALSE(cache.probe(query, false).cacheable);
    }
    SUBCASE("a compressed question name") {
        query[12] = 0xc0;
        CHECK_FALSE(cache.probe(query, false).cacheable);
    }
    SUBCASE("a query longer than a slot's key") {
        const std::string long_name = std::string(60, 'a') + "." + std::string(60, 'b') + "." +
                                      std::string(60, 'c') + ".phx.test";
        CHECK_FALSE(cache.probe(make_query(long_name, 1), false).cacheable);
    }
    SUBCASE("the header alone") {
        query.resize(12);
        CHECK_FALSE(cache.probe(query, false).cacheable);
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Which bucket a reply counts in, and the truncated reply of the slip,
// both on real replies from answer().
#include "dnsd/answer.hpp"
#include "dnsd/rrl/classify.hpp"
#include "dnsd/rrl/slip.hpp"
#include "unit/dnsd/message_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::decode;
using phx::test::make_query;
using phx::test::QueryOptions;
using phx::test::test_zones;

namespace {

struct Replied {
    std::vector<std::uint8_t> bytes;
    AnswerResult result;
};

Replied reply_to(std::string_view name, RrType type, int edns_size = -1) {
    QueryOptions o;
    o.edns_size = edns_size;
    Replied r;
    r.bytes.resize(kMaxMessageSize);
    r.result =
        answer(make_query(name, to_u16(type), o), test_zones(), {Transport::udp, 1232}, r.bytes);
    r.bytes.resize(r.result.size);
    return r;
}

IpAddress ip(std::string_view text) {
    return *IpAddress::parse(text);
}

std::uint64_t key_of(SipHasher& h, const Replied& r, std::string_view client) {
    const std::string_view zone = r.result.zone ? std::string_view{r.result.zone->origin()} : "";
    return rrl::bucket_key(h, ip(client), {}, r.result.rcode, r.bytes, zone);
}

} // namespace

TEST_CASE("rrl classify: answers, NODATA, NXDOMAIN, referrals and errors are told apart") {
    const auto kind = [](const Replied& r) { return rrl::kind_of(r.result.rcode, r.bytes); };
    CHECK(kind(reply_to("www.phx.test", RrType::a)) == rrl::Kind::answer);
    CHECK(kind(reply_to("www.phx.test", RrType::mx)) == rrl::Kind::nodata);
    CHECK(kind(reply_to("nosuch.phx.test", RrType::a)) == rrl::Kind::nxdomain);
    CHECK(kind(reply_to("host.sub.phx.test", RrType::a)) == rrl::Kind::referral);
    CHECK(kind(reply_to("example.com", RrType::a)) == rrl::Kind::error); // REFUSED
}

TEST_CASE("rrl classify: one bucket per network, name and type, and NXDOMAIN per zone") {
    SipHasher h{SipHasher::Key{9}};
    const auto www = reply_to("www.phx.test", RrType::a);
    const auto www_upper = reply_to("WWW.PHX.TEST", RrType::a);
    CHECK(key_of(h, www, "192.0.2.1") == key_of(h, www_upper, "192.0.2.200")); // same /24
    CHECK(key_of(h, www, "192.0.2.1") != key_of(h, www, "192.0.3.1"));
    CHECK(key_of(h, www, "192.0.2.1") !=
          key_of(h, reply_to("mx1.phx.test", RrType::a), "192.0.2.1"));
    CHECK(key_of(h, www, "192.0.2.1") !=
          key_of(h, reply_to("www.phx.test", RrType::aaaa), "192.0.2.1"));
    // Random names under the zone share the zone's NXDOMAIN bucket.
    CHECK(key_of(h, reply_to("a1.phx.test", RrType::a), "192.0.2.1") ==
          key_of(h, reply_to("b2.phx.test", RrType::a), "192.0.2.1"));
    // Errors share the network's error bucket, whatever the name.
    CHECK(key_of(h, reply_to("example.com", RrType::a), "192.0.2.1") ==
          key_of(h, reply_to("example.org", RrType::a), "192.0.2.1"));
    // IPv6: a /56.
    CHECK(key_of(h, www, "2001:db8:0:ff::1") == key_of(h, www, "2001:db8:0:1::2"));
    CHECK(key_of(h, www, "2001:db8:0:100::1") != key_of(h, www, "2001:db8:0:1::2"));
    // Another key, other buckets: nobody can aim at another's bucket.
    SipHasher other{SipHasher::Key{10}};
    CHECK(key_of(h, www, "192.0.2.1") != key_of(other, www, "192.0.2.1"));
}

TEST_CASE("rrl slip: the truncated reply keeps header, question and OPT, and sets TC") {
    auto r = reply_to("big.phx.test", RrType::a, 4096);
    const auto full = decode(r.bytes);
    REQUIRE(full.answer.size() == 60);
    const std::size_t size = rrl::truncate_reply(r.bytes, r.bytes.size());
    REQUIRE(size > 0);
    r.bytes.resize(size);
    const auto slipped = decode(r.bytes);
    CHECK(slipped.parsed);
    CHECK(slipped.flag(flag::tc));
    CHECK(slipped.flag(flag::aa));
    CHECK(slipped.id == full.id);
    CHECK(slipped.qname == "big.phx.test.");
    CHECK(slipped.answer.empty());
    CHECK(slipped.authority.empty());
    CHECK(slipped.additional.empty());
    CHECK(slipped.has_opt);
    CHECK(slipped.opt_udp_size == 1232);
    CHECK(size == 12 + 14 + 4 + 11);
}

TEST_CASE("rrl slip: without EDNS, and NXDOMAIN keeps its rcode") {
    auto r = reply_to("nosuch.phx.test", RrType::a);
    const std::size_t size = rrl::truncate_reply(r.bytes, r.bytes.size());
    r.bytes.resize(size);
    const auto slipped = decode(r.bytes);
    CHECK(slipped.parsed);
    CHECK(slipped.rcode == 3);
    CHECK(slipped.flag(flag::tc));
    CHECK_FALSE(slipped.has_opt);
    CHECK(slipped.authority.empty());
}

TEST_CASE("rrl slip: bytes that are not a reply are refused, never read past") {
    std::vector<std::uint8_t> junk{0, 1, 0x80, 0, 0, 1, 0, 1, 0, 0, 0, 0, 3, 'a'};
    CHECK(rrl::truncate_reply(junk, junk.size()) == 0);
    CHECK(rrl::truncate_reply(junk, 5) == 0);
    CHECK(rrl::truncate_reply(junk, junk.size() + 1) == 0);
}

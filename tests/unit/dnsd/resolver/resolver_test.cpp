// SPDX-License-Identifier: GPL-3.0-or-later
// The resolver's pure parts: reply storage and rewriting, the cache's
// expiry and order, the upstream query (random case, loop marks) and the
// loop guard. The cache budget, the scrubber and upstream health have their
// own files.
#include "dnsd/resolver/cache.hpp"
#include "dnsd/resolver/loop_guard.hpp"
#include "dnsd/resolver/stored_message.hpp"
#include "dnsd/resolver/upstream_query.hpp"
#include "unit/dnsd/message_util.hpp"

#include <doctest/doctest.h>
#include <random>

using namespace phx;
using namespace phx::dns;
using namespace phx::dns::resolver;
using phx::test::decode;
using phx::test::make_query;

namespace {

ParsedQuery parsed(const std::vector<std::uint8_t>& bytes) {
    ParsedQuery q;
    REQUIRE(parse_query(bytes, q) == QueryVerdict::ok);
    return q;
}

// An upstream reply: www.example. A 192.0.2.1 (TTL 300) x `count`, with the
// question compressed into, and an OPT record in the middle of additional.
std::vector<std::uint8_t> upstream_reply(int count, std::uint16_t rcode = 0) {
    std::vector<std::uint8_t> m{0x12, 0x34, 0x81, static_cast<std::uint8_t>(0x80 | rcode),
                                0,    1,    0,    static_cast<std::uint8_t>(count),
                                0,    0,    0,    2};
    const auto name = *wire::Name::from_text("WwW.example");
    m.insert(m.end(), name.wire().begin(), name.wire().end());
    m.insert(m.end(), {0, 1, 0, 1});
    for (int i = 0; i < count; ++i)
        m.insert(m.end(), {0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 192, 0, 2,
                           static_cast<std::uint8_t>(i)});
    m.insert(m.end(), {0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0});                   // OPT
    m.insert(m.end(), {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 3, 2, 'h', 'i'}); // TXT after it
    return m;
}

} // namespace

TEST_CASE("stored reply: written back with the client's ID, case and EDNS, AA clear, RA set") {
    auto stored = parse_reply(upstream_reply(2));
    REQUIRE(stored);
    CHECK(stored->answer.size() == 2);
    CHECK(stored->additional.size() == 1); // the upstream's OPT is dropped
    const auto client_bytes =
        make_query("wWw.EXAMPLE", 1, {.id = 0x9999, .flags = 0x0100, .edns_size = 4096});
    std::vector<std::uint8_t> out(4096);
    const auto size =
        write_stored_reply(*stored, parsed(client_bytes), {1232, 1232, true, 100, {}}, out);
    out.resize(size);
    auto reply = decode(out);
    REQUIRE(reply.parsed);
    CHECK(reply.id == 0x9999);
    CHECK(reply.qname == "wWw.EXAMPLE.");
    CHECK(reply.answer.at(0).owner == "wWw.EXAMPLE.");
    CHECK(reply.answer[0].ttl == 200);      // 300 less 100 seconds of age
    CHECK(reply.additional.at(0).ttl == 0); // 60 less 100, never negative
    CHECK(reply.has_opt);
    CHECK(reply.opt_udp_size == 1232);
    CHECK(reply.flag(flag::ra));
    CHECK_FALSE(reply.flag(flag::aa));
    CHECK(reply.flag(flag::rd));
}

TEST_CASE("stored reply: truncation drops whole RRsets and sets TC, stale TTL is fixed") {
    auto stored = parse_reply(upstream_reply(40));
    REQUIRE(stored);
    const auto client = parsed(make_query("www.example", 1));
    std::vector<std::uint8_t> out(4096);
    out.resize(write_stored_reply(*stored, client, {512, 1232, true, 0, {}}, out));
    auto reply = decode(out);
    CHECK(reply.flag(flag::tc));
    CHECK(reply.answer.empty()); // 40 records do not fit in 512 bytes, and are never split
    CHECK(out.size() <= 512);
    std::vector<std::uint8_t> stale(4096);
    stale.resize(write_stored_reply(*stored, client, {4096, 1232, true, 999999, 30}, stale));
    CHECK(decode(stale).answer.at(0).ttl == 30);
}

TEST_CASE("stored reply: malformed upstream replies are rejected") {
    auto reply = upstream_reply(1);
    reply.pop_back();
    CHECK_FALSE(parse_reply(reply));
    auto query_not_reply = upstream_reply(1);
    query_not_reply[2] &= 0x7f;
    CHECK_FALSE(parse_reply(query_not_reply));
}

TEST_CASE("cache_ttl: positive answers use the lowest TTL, negative ones the SOA, errors none") {
    StoredMessage m;
    m.answer.push_back({"", RrType::a, 1, 300, ""});
    m.answer.push_back({"", RrType::a, 1, 100, ""});
    CHECK(m.cache_ttl(86400, 3600) == 100u);
    CHECK(m.cache_ttl(50, 3600) == 50u);
    StoredMessage nx;
    nx.rcode = Rcode::nxdomain;
    CHECK_FALSE(nx.cache_ttl(86400, 3600)); // no SOA: RFC 2308 says do not cache
    std::string soa(20, '\0');
    soa[19] = 60; // MINIMUM 60
    nx.authority.push_back({"", RrType::soa, 1, 900, soa});
    CHECK(nx.cache_ttl(86400, 3600) == 60u);
    CHECK(nx.cache_ttl(86400, 10) == 10u);
    StoredMessage fail;
    fail.rcode = Rcode::servfail;
    CHECK_FALSE(fail.cache_ttl(86400, 3600));
}

TEST_CASE("cache: fresh, then stale within the window, then gone, LRU eviction") {
    Cache cache{{2, std::size_t{1} << 20, std::size_t{1} << 20, std::chrono::seconds{10}}};
    const auto t0 = Clock::now();
    auto message = std::make_shared<const StoredMessage>();
    cache.store("a", message, 5, t0);
    CHECK(cache.find("a", t0 + std::chrono::seconds{4}, false)->age == 4);
    CHECK_FALSE(cache.find("a", t0 + std::chrono::seconds{5}, false));
    auto stale = cache.find("a", t0 + std::chrono::seconds{6}, true);
    REQUIRE(stale);
    CHECK(stale->stale);
    CHECK_FALSE(cache.find("a", t0 + std::chrono::seconds{15}, true));
    CHECK(cache.size() == 0);
    cache.store("x", message, 60, t0);
    cache.store("y", message, 60, t0);
    CHECK(cache.find("x", t0, false)); // x is now the most recently used
    cache.store("z", message, 60, t0);
    CHECK(cache.find("x", t0, false));
    CHECK_FALSE(cache.find("y", t0, false));
    CHECK(cache.size() == 2);
}

TEST_CASE("cache_key separates type, class and DO but not name case") {
    const auto a = parsed(make_query("WWW.example", 1));
    CHECK(cache_key(a) == cache_key(parsed(make_query("www.EXAMPLE", 1))));
    CHECK(cache_key(a) != cache_key(parsed(make_query("www.example", 28))));
    CHECK(cache_key(a) != cache_key(parsed(make_query("www.example", 1,
                                                      {.edns_size = 1232, .edns_flags = 0x8000}))));
}

TEST_CASE("upstream query: random case and ID, our marks, and only an exact reply matches") {
    std::mt19937_64 rng{42};
    const auto client = parsed(make_query("www.example", 1, {.flags = 0x0010 /* CD */}));
    const auto q = make_upstream_query(client, {7, 9}, 1232, rng);
    auto lowered = q.sent_name;
    lowered.to_lower();
    CHECK(lowered == client.qname_lower);
    ParsedQuery sent;
    REQUIRE(parse_query(q.bytes, sent) == QueryVerdict::ok);
    CHECK((sent.flags & flag::rd) != 0);
    CHECK((sent.flags & flag::cd) != 0);
    CHECK(sent.edns.udp_size == 1232);
    CHECK(loop_marks(q.bytes, sent) == std::vector<std::uint64_t>{7, 9});

    std::vector<std::uint8_t> reply = q.bytes;
    reply[2] |= 0x80;
    CHECK(is_reply_to(reply, q, client));
    auto wrong_id = reply;
    wrong_id[1] ^= 1;
    CHECK_FALSE(is_reply_to(wrong_id, q, client));
    auto wrong_case = reply;
    wrong_case[13] ^= 0x20; // flip the case of the first letter
    CHECK_FALSE(is_reply_to(wrong_case, q, client));
}

TEST_CASE("loop guard: our mark, or our exact case back from the upstream, is a loop") {
    std::mt19937_64 rng{7};
    const auto client = parsed(make_query("www.example.org", 1));
    const auto upstream = *Endpoint::parse("127.0.0.1:5300");
    const auto q = make_upstream_query(client, {}, 1232, rng);
    LoopGuard guard;
    guard.sent(q, client, upstream);
    const auto back = parsed(std::vector<std::uint8_t>(q.bytes.begin(), q.bytes.end()));
    const auto loop = guard.check(back, upstream.address, false);
    REQUIRE(loop);
    CHECK(loop->via == upstream);
    CHECK_FALSE(guard.check(back, *IpAddress::parse("10.0.0.5"),
                            false));                           // a client that happens to ask too
    CHECK_FALSE(guard.check(client, upstream.address, false)); // lower case: not our query
    CHECK(guard.check(client, *IpAddress::parse("10.0.0.5"), true)); // our mark is proof enough
    guard.finished(q, client, upstream);
    CHECK_FALSE(guard.check(back, upstream.address, false));
}

// SPDX-License-Identifier: GPL-3.0-or-later
// answer() on the test zone: the RFC 1034 algorithm, negative answers, EDNS,
// truncation and the error replies, checked on the decoded reply.
#include "dnsd/answer.hpp"
#include "dnsd/wire/types.hpp"
#include "unit/dnsd/message_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::decode;
using phx::test::make_query;
using phx::test::QueryOptions;
using phx::test::Reply;
using phx::test::test_zones;

namespace {

struct Exchange {
    AnswerResult result;
    std::vector<std::uint8_t> bytes;
    Reply reply;
};

Exchange ask(const std::vector<std::uint8_t>& query, Transport transport = Transport::udp) {
    Exchange e;
    e.bytes.resize(kMaxMessageSize);
    e.result = answer(query, test_zones(), {transport, 1232}, e.bytes);
    e.bytes.resize(e.result.size);
    e.reply = decode(e.bytes);
    return e;
}

Exchange ask(std::string_view name, RrType type, QueryOptions o = {},
             Transport t = Transport::udp) {
    return ask(make_query(name, to_u16(type), o), t);
}

constexpr auto A = RrType::a;

} // namespace

TEST_CASE("answer: an A record is authoritative and keeps the query's case") {
    auto e = ask("WwW.PhX.TeSt", A);
    REQUIRE(e.reply.parsed);
    CHECK(e.reply.flag(flag::aa));
    CHECK(e.reply.rcode == 0);
    CHECK(e.reply.qname == "WwW.PhX.TeSt.");
    REQUIRE(e.reply.answer.size() == 1);
    CHECK(e.reply.answer[0].owner == "WwW.PhX.TeSt.");
    CHECK(e.reply.answer[0].data == "192.0.2.10");
    CHECK(e.reply.answer[0].ttl == 3600);
}

TEST_CASE("answer: the question section is echoed byte for byte") {
    const auto query = make_query("tRaFfIc.pHx.TEST", to_u16(A));
    auto e = ask(query);
    REQUIRE(e.bytes.size() > query.size());
    CHECK(std::equal(query.begin() + 12, query.end(), e.bytes.begin() + 12));
    CHECK(e.bytes[0] == 0x12);
    CHECK(e.bytes[1] == 0x34);
}

TEST_CASE("answer: NODATA carries the SOA with TTL min(SOA TTL, MINIMUM)") {
    auto e = ask("mx1.phx.test", RrType::aaaa);
    CHECK(e.reply.rcode == 0);
    CHECK(e.reply.flag(flag::aa));
    CHECK(e.reply.answer.empty());
    REQUIRE(e.reply.authority.size() == 1);
    CHECK(e.reply.authority[0].type == to_u16(RrType::soa));
    CHECK(e.reply.authority[0].ttl == 600);
}

TEST_CASE("answer: NXDOMAIN carries the SOA, an empty non-terminal is NODATA") {
    auto nx = ask("nosuch.phx.test", A);
    CHECK(nx.reply.rcode == 3);
    CHECK(nx.reply.flag(flag::aa));
    REQUIRE(nx.reply.authority.size() == 1);
    CHECK(nx.reply.authority[0].owner == "phx.test.");
    auto ent = ask("b.deep.phx.test", A);
    CHECK(ent.reply.rcode == 0);
    CHECK(ent.reply.answer.empty());
    CHECK(ent.reply.authority.size() == 1);
    CHECK(ask("x.b.deep.phx.test", A).reply.rcode == 3);
}

TEST_CASE("answer: CNAME chains are followed inside the zone") {
    auto e = ask("chain.phx.test", A);
    REQUIRE(e.reply.answer.size() == 3);
    CHECK(e.reply.answer[0].owner == "chain.phx.test.");
    CHECK(e.reply.answer[0].data == "alias.phx.test.");
    CHECK(e.reply.answer[1].owner == "alias.phx.test.");
    CHECK(e.reply.answer[2].owner == "www.phx.test.");
    CHECK(e.reply.answer[2].data == "192.0.2.10");
    CHECK(e.reply.flag(flag::aa));

    auto cname = ask("chain.phx.test", RrType::cname);
    REQUIRE(cname.reply.answer.size() == 1); // asking for the CNAME itself does not follow it

    auto out = ask("outside.phx.test", A);
    REQUIRE(out.reply.answer.size() == 1);
    CHECK(out.reply.rcode == 0);

    auto dangling = ask("dangling.phx.test", A);
    CHECK(dangling.reply.rcode == 3); // RFC 6604: the rcode of the last name
    CHECK(dangling.reply.answer.size() == 1);
    CHECK(dangling.reply.authority.size() == 1);

    auto loop = ask("loop1.phx.test", A);
    CHECK(loop.reply.answer.size() == 2);
    CHECK(loop.reply.rcode == 0);
}

TEST_CASE("answer: wildcards synthesise for missing names only") {
    auto w = ask("Anything.Wild.phx.test", A);
    REQUIRE(w.reply.answer.size() == 1);
    CHECK(w.reply.answer[0].owner == "Anything.Wild.phx.test.");
    CHECK(w.reply.answer[0].data == "192.0.2.30");
    CHECK(ask("explicit.wild.phx.test", A).reply.answer[0].data == "192.0.2.31");
    auto nodata = ask("explicit.wild.phx.test", RrType::txt); // exists: no wildcard
    CHECK(nodata.reply.answer.empty());
    CHECK(nodata.reply.rcode == 0);
    auto via = ask("x.wildalias.phx.test", A);
    REQUIRE(via.reply.answer.size() == 2);
    CHECK(via.reply.answer[0].owner == "x.wildalias.phx.test.");
    CHECK(via.reply.answer[1].data == "192.0.2.10");
    // A wildcard covers any depth below its parent (RFC 4592 §2.2.1) ...
    CHECK(ask("a.b.wild.phx.test", A).reply.answer.at(0).data == "192.0.2.30");
    // ... but only where the closest encloser is its parent.
    CHECK(ask("x.explicit.wild.phx.test", A).reply.rcode == 3);
}

TEST_CASE("answer: a delegation is a referral with glue and AA clear") {
    for (auto name : {"sub.phx.test", "deeper.below.sub.phx.test"}) {
        auto e = ask(name, A);
        CHECK_FALSE(e.reply.flag(flag::aa));
        CHECK(e.reply.rcode == 0);
        CHECK(e.reply.answer.empty());
        REQUIRE(e.reply.authority.size() == 2);
        CHECK(e.reply.authority[0].type == to_u16(RrType::ns));
        REQUIRE(e.reply.additional.size() == 1);
        CHECK(e.reply.additional[0].owner == "ns1.sub.phx.test.");
        CHECK(e.reply.additional[0].data == "192.0.2.40");
    }
    auto ds = ask("sub.phx.test", RrType::ds); // the parent answers DS at the cut
    CHECK(ds.reply.flag(flag::aa));
    CHECK(ds.reply.authority.at(0).type == to_u16(RrType::soa));
}

TEST_CASE("answer: NS, MX and SRV answers carry in-zone addresses as additional data") {
    auto ns = ask("phx.test", RrType::ns);
    CHECK(ns.reply.answer.size() == 2);
    CHECK(ns.reply.additional.size() == 3); // ns1 A, ns2 A, ns2 AAAA
    auto mx = ask("phx.test", RrType::mx);
    REQUIRE(mx.reply.additional.size() == 1);
    CHECK(mx.reply.additional[0].owner == "mx1.phx.test.");
    auto srv = ask("_sip._tcp.phx.test", RrType::srv);
    REQUIRE(srv.reply.additional.size() == 1);
    CHECK(srv.reply.additional[0].data == "192.0.2.60");
}

TEST_CASE("answer: names outside every zone are REFUSED without AA") {
    auto e = ask("example.com", A);
    CHECK(e.reply.rcode == 5);
    CHECK_FALSE(e.reply.flag(flag::aa));
    CHECK(e.result.disposition == Disposition::not_ours);
    CHECK(e.reply.qname == "example.com.");
}

TEST_CASE("answer: ANY gives one RRset over UDP and every RRset over TCP") {
    auto udp = ask("www.phx.test", RrType::any);
    CHECK(udp.reply.answer.size() == 1);
    CHECK(udp.reply.flag(flag::aa));
    auto tcp = ask("www.phx.test", RrType::any, {}, Transport::tcp);
    CHECK(tcp.reply.answer.size() == 3);
}

TEST_CASE("answer: EDNS is answered exactly when asked, with our size and DO echoed") {
    CHECK_FALSE(ask("www.phx.test", A).reply.has_opt);
    QueryOptions o;
    o.edns_size = 4096;
    o.edns_flags = 0x8000 | 0x0001; // DO and an unknown flag
    auto e = ask("www.phx.test", A, o);
    REQUIRE(e.reply.has_opt);
    CHECK(e.reply.opt_udp_size == 1232);
    CHECK(e.reply.opt_ttl == 0x8000); // DO kept, the unknown flag dropped, version 0
}

TEST_CASE("answer: EDNS version 1 gets BADVERS, two OPT records FORMERR") {
    QueryOptions o;
    o.edns_size = 1232;
    o.edns_version = 1;
    auto e = ask("www.phx.test", A, o);
    CHECK(e.reply.rcode == 16);
    CHECK(e.reply.has_opt);
    CHECK(e.reply.answer.empty());
    o.edns_version = 0;
    o.opt_records = 2;
    CHECK(ask("www.phx.test", A, o).reply.rcode == 1);
}

TEST_CASE("answer: a large RRset is truncated whole over UDP and complete over TCP") {
    auto plain = ask("big.phx.test", A); // no EDNS: 512 bytes
    CHECK(plain.reply.flag(flag::tc));
    CHECK(plain.reply.answer.empty());
    CHECK(plain.bytes.size() <= 512);
    QueryOptions o;
    o.edns_size = 1232;
    auto edns = ask("big.phx.test", A, o);
    CHECK_FALSE(edns.reply.flag(flag::tc));
    CHECK(edns.reply.answer.size() == 60);
    o.edns_size = 100; // below 512 counts as 512
    CHECK(ask("big.phx.test", A, o).reply.flag(flag::tc));
    auto huge = ask("huge.phx.test", RrType::txt, {.edns_size = 4096});
    CHECK(huge.reply.flag(flag::tc));
    CHECK(huge.bytes.size() <= 1232);
    CHECK(huge.reply.has_opt);
    auto tcp = ask("huge.phx.test", RrType::txt, {}, Transport::tcp);
    CHECK_FALSE(tcp.reply.flag(flag::tc));
    CHECK(tcp.reply.answer.size() == 12);
}

TEST_CASE("answer: opcodes, counts, classes and transfer types get the right error") {
    CHECK(ask("www.phx.test", A, {.flags = 2 << 11}).reply.rcode == 4); // STATUS: NOTIMP
    CHECK(ask("www.phx.test", A, {.qclass = 3}).reply.rcode == 5);      // CH: REFUSED
    CHECK(ask("phx.test", RrType::axfr).reply.rcode == 5);
    CHECK(ask("phx.test", RrType::ixfr).reply.rcode == 5);
    auto q = make_query("www.phx.test", 1);
    q[5] = 2; // QDCOUNT 2 with one question
    auto e = ask(q);
    CHECK(e.reply.rcode == 1);
    CHECK(e.reply.qname.empty());
    q[5] = 0;
    CHECK(ask(q).reply.rcode == 1);
}

TEST_CASE("answer: responses and runts get no reply at all") {
    auto response = make_query("www.phx.test", 1, {.flags = flag::qr});
    CHECK(ask(response).result.disposition == Disposition::drop);
    const std::vector<std::uint8_t> runt{0x12, 0x34, 0x01};
    CHECK(ask(runt).result.size == 0);
}

TEST_CASE("answer: bad labels and pointers in the question are FORMERR") {
    auto q = make_query("www.phx.test", 1);
    q[12] = 0xc0; // pointer ...
    q[13] = 0x20; // ... forward, past the question
    auto e = ask(q);
    CHECK(e.reply.rcode == 1);
    CHECK(e.reply.id == 0x1234);
    q[12] = 0x80; // reserved label type
    CHECK(ask(q).reply.rcode == 1);
    auto cut = make_query("www.phx.test", 1);
    cut.resize(cut.size() - 3); // question runs off the end
    CHECK(ask(cut).reply.rcode == 1);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The scrubber: only the chain from the question survives, never a record
// for our own zones, authority only for negative answers and only from the
// question's zone, no additional section, and TTLs capped (RFC 2181 §8).
#include "dnsd/resolver/scrub.hpp"
#include "unit/dnsd/resolver/records.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::dns;
using namespace phx::dns::resolver;
using namespace phx::test;
using Names = std::vector<std::string>;

namespace {

constexpr ScrubLimits kLimits{3600, 600};

ScrubReport scrubbed(StoredMessage& m, std::string_view qname, RrType qtype = RrType::a) {
    return scrub(m, parsed_query(qname, qtype), *our_zones(), kLimits);
}

} // namespace

TEST_CASE("scrub: a CNAME into our zone is cut there and the forged address never passes") {
    StoredMessage m;
    m.rcode = Rcode::nxdomain; // about our name: not the upstream's to say
    m.answer = {name_rr("Chain1.Example.COM", RrType::cname, 300, "traefik.internal.thinkheads.ai"),
                a_rr("traefik.internal.thinkheads.ai", 300, 6)};
    m.authority = {soa_rr("internal.thinkheads.ai", 300, 300),
                   name_rr("internal.thinkheads.ai", RrType::ns, 300, "ns.evil.test")};
    m.additional = {a_rr("ns.evil.test", 300, 6)};
    const auto report = scrubbed(m, "chain1.example.com");
    CHECK(report.cut);
    CHECK(report.dropped == 4);
    CHECK(summary(m.answer) == Names{"chain1.example.com. CNAME"});
    CHECK(m.authority.empty());
    CHECK(m.additional.empty());
    CHECK(m.rcode == Rcode::noerror);
}

TEST_CASE("scrub: a chain through other names is cut at the first target in our zones") {
    StoredMessage m;
    m.answer = {name_rr("chain2.example.com", RrType::cname, 300, "mid.example.net"),
                name_rr("mid.example.net", RrType::cname, 300, "x.Internal.Thinkheads.AI"),
                name_rr("x.internal.thinkheads.ai", RrType::cname, 300, "back.example.org"),
                a_rr("back.example.org", 300, 6)};
    CHECK(scrubbed(m, "chain2.example.com").cut);
    CHECK(summary(m.answer) == Names{"chain2.example.com. CNAME", "mid.example.net. CNAME"});
}

TEST_CASE("scrub: a DNAME into our zone keeps the DNAME and its CNAME, nothing after") {
    StoredMessage m;
    m.answer = {
        name_rr("evil.example.com", RrType::dname, 300, "internal.thinkheads.ai"),
        name_rr("traefik.evil.example.com", RrType::cname, 300, "traefik.internal.thinkheads.ai"),
        a_rr("traefik.internal.thinkheads.ai", 300, 6)};
    CHECK(scrubbed(m, "traefik.evil.example.com").cut);
    CHECK(summary(m.answer) == Names{"evil.example.com. DNAME", "traefik.evil.example.com. CNAME"});
}

TEST_CASE("scrub: a chain outside our zones is kept whole, records off the chain are dropped") {
    StoredMessage m;
    m.answer = {name_rr("alias.example.com", RrType::cname, 300, "www.example.net"),
                a_rr("unrelated.example.org", 300, 6),
                rrsig_rr("alias.example.com", RrType::cname),
                a_rr("WWW.example.net", 300, 1),
                name_rr("alias.example.com", RrType::cname, 300, "elsewhere.example.org"),
                rrsig_rr("www.example.net", RrType::aaaa),
                a_rr("www.example.net", 300, 2)};
    const auto report = scrubbed(m, "alias.example.com");
    CHECK_FALSE(report.cut);
    CHECK(report.dropped == 3); // the unrelated A, the second CNAME, the RRSIG for no kept RRset
    CHECK(summary(m.answer) == Names{"alias.example.com. CNAME", "alias.example.com. RRSIG",
                                     "www.example.net. A", "www.example.net. A"});
}

TEST_CASE("scrub: a positive answer keeps no authority and no additional records") {
    StoredMessage m;
    m.answer = {a_rr("www.example.com", 300, 1)};
    m.authority = {name_rr("example.com", RrType::ns, 300, "ns.example.com"),
                   name_rr("internal.thinkheads.ai", RrType::ns, 300, "ns.evil.test")};
    m.additional = {a_rr("ns.example.com", 300, 2), a_rr("traefik.internal.thinkheads.ai", 300, 6)};
    CHECK(scrubbed(m, "www.example.com").dropped == 4);
    CHECK(summary(m.answer) == Names{"www.example.com. A"});
    CHECK(m.authority.empty());
    CHECK(m.additional.empty());
}

TEST_CASE("scrub: a negative answer keeps the SOA of the question's zone and its proofs only") {
    StoredMessage m;
    m.rcode = Rcode::nxdomain;
    m.authority = {soa_rr("thinkheads.ai", 300, 60), // not an ancestor: another zone
                   soa_rr("example.com", 300, 60),   // the question's zone
                   soa_rr("example.com", 300, 60),   // one SOA is enough
                   name_rr("example.com", RrType::ns, 300, "ns.evil.test"),
                   name_rr("a.example.com", RrType::nsec, 300, "z.example.com"),
                   rrsig_rr("a.example.com", RrType::nsec),
                   rrsig_rr("example.com", RrType::ns),
                   name_rr("internal.thinkheads.ai", RrType::nsec, 300, "z.example.com")};
    m.additional = {a_rr("ns.evil.test", 300, 6)};
    scrubbed(m, "nosuch.example.com");
    CHECK(summary(m.authority) ==
          Names{"example.com. SOA", "a.example.com. NSEC", "a.example.com. RRSIG"});
    CHECK(m.additional.empty());
    CHECK(m.rcode == Rcode::nxdomain);
}

TEST_CASE("scrub: a negative answer after a CNAME takes the SOA of the target's zone") {
    StoredMessage m;
    m.rcode = Rcode::nxdomain;
    m.answer = {name_rr("alias.example.com", RrType::cname, 300, "gone.example.net")};
    m.authority = {soa_rr("example.com", 300, 60), soa_rr("example.net", 300, 60)};
    scrubbed(m, "alias.example.com");
    CHECK(summary(m.answer) == Names{"alias.example.com. CNAME"});
    CHECK(summary(m.authority) == Names{"example.net. SOA"});
    CHECK(m.cache_ttl(3600, 600) == 60u);
}

TEST_CASE("scrub: TTLs with the top bit set count as 0, others are capped at max_ttl") {
    StoredMessage m;
    m.answer = {a_rr("www.example.com", 4294967295u, 1), a_rr("www.example.com", 2147483648u, 2),
                a_rr("www.example.com", 2147483647u, 3), a_rr("www.example.com", 60, 4)};
    scrubbed(m, "www.example.com");
    REQUIRE(m.answer.size() == 4);
    CHECK(m.answer[0].ttl == 0);
    CHECK(m.answer[1].ttl == 0);
    CHECK(m.answer[2].ttl == 3600);
    CHECK(m.answer[3].ttl == 60);
    CHECK(m.cache_ttl(3600, 600) == 0u);
    CHECK(capped_ttl(0x7fffffffu, 86400) == 86400);
    CHECK(capped_ttl(0x80000000u, 86400) == 0);
}

TEST_CASE("scrub: a negative answer's SOA TTL is min(TTL, MINIMUM), capped at max_negative_ttl") {
    StoredMessage huge;
    huge.rcode = Rcode::nxdomain;
    huge.authority = {soa_rr("example.com", 4294967295u, 2147483647u)};
    scrubbed(huge, "nosuch.example.com");
    CHECK(huge.authority.at(0).ttl == 0); // the top bit: 0, whatever MINIMUM says
    StoredMessage big;
    big.rcode = Rcode::nxdomain;
    big.authority = {soa_rr("example.com", 2147483647u, 2147483647u)};
    scrubbed(big, "nosuch.example.com");
    CHECK(big.authority.at(0).ttl == 600);
    CHECK(big.cache_ttl(3600, 600) == 600u);
    StoredMessage minimum;
    minimum.rcode = Rcode::nxdomain;
    minimum.authority = {soa_rr("example.com", 900, 30)};
    scrubbed(minimum, "nosuch.example.com");
    CHECK(minimum.authority.at(0).ttl == 30);
}

TEST_CASE("scrub: CNAME loops end, and a question for our own zone keeps nothing") {
    StoredMessage loop;
    loop.answer = {name_rr("a.example.com", RrType::cname, 300, "b.example.com"),
                   name_rr("b.example.com", RrType::cname, 300, "a.example.com")};
    CHECK_FALSE(scrubbed(loop, "a.example.com").cut);
    CHECK(loop.answer.size() == 2);
    StoredMessage ours;
    ours.answer = {a_rr("traefik.internal.thinkheads.ai", 300, 6)};
    CHECK(scrubbed(ours, "traefik.internal.thinkheads.ai").cut);
    CHECK(ours.answer.empty());
}

TEST_CASE("scrub: a CNAME question is not followed, an ANY question keeps every type") {
    StoredMessage cname;
    cname.answer = {name_rr("alias.example.com", RrType::cname, 300, "www.example.net"),
                    a_rr("www.example.net", 300, 1)};
    scrubbed(cname, "alias.example.com", RrType::cname);
    CHECK(summary(cname.answer) == Names{"alias.example.com. CNAME"});
    StoredMessage any;
    any.answer = {a_rr("www.example.com", 300, 1),
                  name_rr("www.example.com", RrType::ns, 300, "ns.example.com"),
                  a_rr("other.example.com", 300, 2)};
    scrubbed(any, "www.example.com", RrType::any);
    CHECK(summary(any.answer) == Names{"www.example.com. A", "www.example.com. NS"});
}

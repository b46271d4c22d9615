// SPDX-License-Identifier: GPL-3.0-or-later
// answer() with NSID (RFC 5001) and DNS cookies (RFC 7873, 9018): the
// options appear only when asked for, malformed cookies are FORMERR, and a
// reply with options still fits the client's size, truncating if it must.
#include "dnsd/answer.hpp"
#include "dnsd/edns_options.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"
#include "unit/dnsd/edns_util.hpp"
#include "unit/dnsd/message_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::Bytes;
using phx::test::cat;
using phx::test::decode;
using phx::test::make_query;
using phx::test::option;
using phx::test::query_with;
using phx::test::reply_options;
using phx::test::test_zones;

namespace {

struct Server {
    Bytes nsid{'n', 's', '1'};
    CookieSigner signer;
    std::uint32_t now = 1559731985;
    IpAddress client = IpAddress::v4(198, 51, 100, 100);

    Server() {
        const std::vector<CookieSecret> secrets{CookieSecret{1, 2, 3}};
        signer.set_secrets(secrets);
    }

    Bytes ask(const Bytes& query, AnswerResult* result = nullptr, bool cookies = true,
              Transport transport = Transport::udp) {
        Bytes out(kMaxMessageSize);
        const CookieContext context{&signer, now, client};
        AnswerOptions options{transport, 1232, false};
        options.nsid = nsid;
        if (cookies) options.cookies = &context;
        const auto r = answer(query, test_zones(), options, out);
        if (result) *result = r;
        out.resize(r.size);
        return out;
    }
};

const Bytes kClientCookie{0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};

} // namespace

TEST_CASE("nsid: sent only to a client that asked with an empty NSID option") {
    Server s;
    auto asked = reply_options(s.ask(query_with("www.phx.test", RrType::a, option(3, {}))));
    REQUIRE(asked.count(3) == 1);
    CHECK(asked[3] == Bytes{'n', 's', '1'});
    CHECK(reply_options(s.ask(query_with("www.phx.test", RrType::a, {}))).empty());
    CHECK(reply_options(s.ask(query_with("www.phx.test", RrType::a, option(3, {'x'})))).empty());
    // None configured: nothing, even when asked.
    s.nsid.clear();
    CHECK(reply_options(s.ask(query_with("www.phx.test", RrType::a, option(3, {})))).empty());
}

TEST_CASE("nsid: also on REFUSED and NXDOMAIN, never without EDNS or with EDNS version 1") {
    Server s;
    CHECK(reply_options(s.ask(query_with("example.com", RrType::a, option(3, {})))).count(3) == 1);
    CHECK(reply_options(s.ask(query_with("nosuch.phx.test", RrType::a, option(3, {})))).count(3) ==
          1);
    Bytes v1 = query_with("www.phx.test", RrType::a, option(3, {}));
    v1[v1.size() - 4 - 2 - 2 - 1] = 1; // the version byte of the OPT TTL
    const auto reply = s.ask(v1);
    CHECK(decode(reply).rcode == to_u16(Rcode::badvers));
    CHECK(reply_options(reply).empty());
}

TEST_CASE("cookies: a client cookie gets a server cookie that validates on the next query") {
    Server s;
    AnswerResult result;
    const auto first = reply_options(
        s.ask(query_with("www.phx.test", RrType::a, option(10, kClientCookie)), &result));
    CHECK(result.cookie == CookieVerdict::client_only);
    CHECK(result.cookie_issued);
    REQUIRE(first.count(10) == 1);
    const Bytes& cookie = first.at(10);
    REQUIRE(cookie.size() == 24);
    CHECK(Bytes(cookie.begin(), cookie.begin() + 8) == kClientCookie);
    CHECK(cookie[8] == 1); // RFC 9018 version
    s.now += 10;
    const auto second =
        reply_options(s.ask(query_with("www.phx.test", RrType::a, option(10, cookie)), &result));
    CHECK(result.cookie == CookieVerdict::valid);
    CHECK_FALSE(result.cookie_issued); // echoed as it came: no new one made
    CHECK(second.at(10) == cookie);
    s.now += 1800; // half an hour old: renewed
    const auto third =
        reply_options(s.ask(query_with("www.phx.test", RrType::a, option(10, cookie)), &result));
    CHECK(result.cookie == CookieVerdict::valid);
    CHECK(result.cookie_issued);
    CHECK(third.at(10) != cookie);
    s.client = IpAddress::v4(198, 51, 100, 101);
    s.ask(query_with("www.phx.test", RrType::a, option(10, cookie)), &result);
    CHECK(result.cookie == CookieVerdict::invalid);
    CHECK(result.cookie_issued);
}

TEST_CASE("cookies: a COOKIE of a length RFC 7873 forbids is FORMERR, with our OPT record") {
    Server s;
    for (std::size_t length : {0u, 7u, 9u, 15u, 41u}) {
        CAPTURE(length);
        AnswerResult result;
        const auto reply =
            s.ask(query_with("www.phx.test", RrType::a, option(10, Bytes(length, 0xab))), &result);
        const auto r = decode(reply);
        CHECK(r.rcode == to_u16(Rcode::formerr));
        CHECK(r.has_opt);
        CHECK(r.answer.empty());
        CHECK(result.cookie == CookieVerdict::malformed);
    }
    for (std::size_t length : {8u, 16u, 24u, 40u}) {
        CAPTURE(length);
        const auto r =
            decode(s.ask(query_with("www.phx.test", RrType::a, option(10, Bytes(length, 0xab)))));
        CHECK(r.rcode == 0);
    }
}

TEST_CASE("cookies: ignored when cookies are off, and never in replies to queries without one") {
    Server s;
    AnswerResult result;
    const auto off =
        s.ask(query_with("www.phx.test", RrType::a, option(10, Bytes(7, 1))), &result, false);
    CHECK(decode(off).rcode == 0); // not even FORMERR: the option means nothing to us
    CHECK(reply_options(off).empty());
    CHECK(result.cookie == CookieVerdict::none);
    const auto plain = s.ask(make_query("www.phx.test", to_u16(RrType::a)), &result);
    CHECK(decode(plain).parsed);
    CHECK(result.cookie == CookieVerdict::none);
}

TEST_CASE("cookies: an option that overruns the OPT rdata is FORMERR, as before") {
    Server s;
    Bytes bad = option(10, kClientCookie);
    bad[3] = 20; // claims 20 bytes, has 8
    const auto r = decode(s.ask(query_with("www.phx.test", RrType::a, bad)));
    CHECK(r.rcode == to_u16(Rcode::formerr));
}

TEST_CASE("nsid and cookie: room is kept for them, so a large answer truncates instead") {
    Server s;
    s.nsid = Bytes(kMaxNsidSize, 'n');
    const Bytes options = cat(option(3, {}), option(10, kClientCookie));
    // big.phx.test has 60 A records: about 1 KB, over a 512-byte client size.
    const auto reply = s.ask(query_with("big.phx.test", RrType::a, options, 512));
    CHECK(reply.size() <= 512);
    const auto r = decode(reply);
    CHECK(r.flag(flag::tc));
    CHECK(r.answer.empty());
    const auto o = reply_options(reply);
    CHECK(o.at(3).size() == kMaxNsidSize);
    CHECK(o.at(10).size() == 24);
    // A longest possible question with both options still fits in 512 bytes.
    std::string longest;
    for (int i = 0; i < 3; ++i) longest += std::string(61, 'a') + ".";
    longest += std::string(58, 'b') + ".phx.test"; // 255 bytes in wire form
    REQUIRE(wire::Name::from_text(longest)->size() == kMaxNameLength);
    const auto nx = s.ask(query_with(longest, RrType::a, options, 512));
    CHECK(nx.size() <= 512);
    CHECK(decode(nx).parsed);
    CHECK(reply_options(nx).size() == 2);
}

namespace {

// A query with no question: header (QDCOUNT 0, ARCOUNT 1) and an OPT record
// holding `options`, as `dig +header-only +cookie` sends it.
Bytes header_only(const Bytes& options) {
    Bytes q{0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0};
    q.push_back(static_cast<std::uint8_t>(options.size() >> 8));
    q.push_back(static_cast<std::uint8_t>(options.size()));
    return cat(q, options);
}

} // namespace

TEST_CASE("cookies: a query with no question asks for a server cookie alone (RFC 7873 5.4)") {
    Server s;
    AnswerResult result;
    const auto reply = s.ask(header_only(cat(option(10, kClientCookie), option(3, {}))), &result);
    const auto r = decode(reply);
    CHECK(r.rcode == to_u16(Rcode::noerror));
    CHECK(r.qname.empty());
    CHECK(r.answer.empty());
    CHECK(r.id == 0x1234);
    CHECK(result.cookie == CookieVerdict::client_only);
    const auto o = reply_options(reply);
    REQUIRE(o.count(10) == 1);
    CHECK(Bytes(o.at(10).begin(), o.at(10).begin() + 8) == kClientCookie);
    CHECK(o.at(10).size() == 24);
    CHECK(o.count(3) == 1); // NSID too, when asked
    // The cookie it got is valid on a real query.
    s.ask(query_with("www.phx.test", RrType::a, option(10, o.at(10))), &result);
    CHECK(result.cookie == CookieVerdict::valid);
    // A bad length is FORMERR here as anywhere.
    CHECK(decode(s.ask(header_only(option(10, Bytes(9, 1))))).rcode == to_u16(Rcode::formerr));
}

TEST_CASE("cookies: no question and no COOKIE, or cookies off, is FORMERR with the header alone") {
    Server s;
    for (const Bytes& query : {header_only({}), header_only(option(3, {}))}) {
        const auto reply = s.ask(query);
        CHECK(decode(reply).rcode == to_u16(Rcode::formerr));
        CHECK(reply.size() == kHeaderSize);
    }
    const auto off = s.ask(header_only(option(10, kClientCookie)), nullptr, false);
    CHECK(decode(off).rcode == to_u16(Rcode::formerr));
    CHECK(off.size() == kHeaderSize);
}

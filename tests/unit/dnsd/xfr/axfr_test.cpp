// SPDX-License-Identifier: GPL-3.0-or-later
// AXFR (RFC 5936) from xfr::respond: a zone larger than 64 KiB goes out in
// several messages with every record exactly once and the SOA first and
// last, each message signed when the request was; and who gets REFUSED,
// NOTAUTH or NOTIMP instead.
#include "dnsd/tsig/tsig.hpp"
#include "dnsd/xfr/message.hpp"
#include "unit/dnsd/xfr/xfr_util.hpp"

#include <algorithm>
#include <map>

using namespace phx;
using namespace phx::dns;
using namespace phx::test;

namespace {

// 1500 names with an A and a 60-byte TXT each: about 150 KiB of records.
std::string big_zone_text() {
    std::string text = "$TTL 3600\n@ SOA ns1 hostmaster 7 86400 3600 1209600 600\n@ NS ns1\n"
                       "ns1 A 192.0.2.1\n";
    for (int i = 0; i < 1500; ++i)
        text += fmt::format("host-{:04} A 10.0.{}.{}\nhost-{:04} TXT \"{:060}\"\n", i, i / 250,
                            i % 250, i, i);
    return text;
}

tsig::Key key(std::string_view name) {
    return {*tsig::parse_key_name(name), tsig::Algorithm::hmac_sha256,
            std::vector<std::uint8_t>(32, 7)};
}

// A query signed with `k`, as a secondary sends it.
std::vector<std::uint8_t> signed_query(std::vector<std::uint8_t> q, const tsig::Key& k,
                                       std::vector<std::uint8_t>& mac) {
    std::size_t size = q.size();
    q.resize(size + 512);
    tsig::Signer signer{k, {}};
    REQUIRE(signer.sign(q, size, 1700000000));
    q.resize(size);
    mac.assign(signer.last_mac().begin(), signer.last_mac().end());
    return q;
}

} // namespace

TEST_CASE(
    "axfr: a zone over 64 KiB goes in several messages, each record once, SOA first and last") {
    const auto zone = zone_from_text(big_zone_text(), "big.test.");
    const auto state = xfr::next_state(nullptr, set_of(zone), allow_config("127.0.0.0/8"));
    const auto c = collect(make_query("big.test.", 252), state);
    REQUIRE(c.summary.kind == xfr::Kind::axfr);

    std::size_t total = 0;
    for (const auto& m : c.messages) {
        CHECK(m.size() <= xfr::kTransferMessageSize);
        total += m.size();
    }
    CHECK(total > 65536);
    CHECK(c.messages.size() >= 5);
    for (const auto& r : c.replies) {
        CHECK(r.flag(flag::aa));
        CHECK(r.rcode == 0);
        CHECK(r.qname == "big.test.");
    }
    REQUIRE(c.answers.size() == zone->record_count() + 1);
    CHECK(c.answers.front().type == 6);
    CHECK(c.answers.back().type == 6);
    std::map<std::string, int> seen;
    for (std::size_t i = 1; i + 1 < c.answers.size(); ++i) {
        CHECK(c.answers[i].type != 6);
        ++seen[rr_text(c.answers[i])];
    }
    CHECK(seen.size() == zone->record_count() - 1); // all but the SOA, none twice
    CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& e) { return e.second == 1; }));
    CHECK(seen.count("host-1499.big.test. 1 3600 10.0.5.249") == 1);
    CHECK(c.summary.messages == c.messages.size());
    CHECK(c.summary.records == c.answers.size());
}

TEST_CASE(
    "axfr: every message of a signed transfer carries a TSIG, the first over the request MAC") {
    const auto k = key("xfr-key");
    const auto zone = zone_from_text(big_zone_text(), "big.test.");
    const auto state =
        xfr::next_state(nullptr, set_of(zone), allow_config("127.0.0.1:xfr-key", {k}));
    std::vector<std::uint8_t> request_mac;
    const auto query = signed_query(make_query("big.test.", 252), k, request_mac);
    const auto c = collect(query, state);
    REQUIRE(c.summary.kind == xfr::Kind::axfr);
    CHECK(c.summary.key == "xfr-key.");
    REQUIRE(c.messages.size() >= 5);
    for (const auto& r : c.replies) {
        REQUIRE(r.additional.size() == 1);
        CHECK(r.additional.back().type == 250);
    }
    CHECK(tsig::check_reply(c.messages[0], k, request_mac, 1700000000) == tsig::ReplyCheck::ok);
    // Later messages chain on the previous MAC (checked against dnspython
    // and kdig in tests/integration/test_transfer.py), not the request's.
    CHECK(tsig::check_reply(c.messages[1], k, request_mac, 1700000000) == tsig::ReplyCheck::bad);
    CHECK(c.answers.size() == zone->record_count() + 1);
}

TEST_CASE("axfr: who is refused: no rule, an unsigned request where a key is required, UDP") {
    const auto k = key("xfr-key");
    const auto zone = zone_from_text(big_zone_text(), "big.test.");
    const auto state =
        xfr::next_state(nullptr, set_of(zone), allow_config("127.0.0.1:xfr-key", {k}));
    const auto axfr = make_query("big.test.", 252);

    auto c = collect(axfr, state); // unsigned, but the rule wants xfr-key
    REQUIRE(c.messages.size() == 1);
    CHECK(c.replies[0].rcode == 5);
    CHECK(c.answers.empty());
    CHECK(c.summary.kind == xfr::Kind::refused);

    std::vector<std::uint8_t> mac;
    const auto signed_axfr = signed_query(axfr, k, mac);
    c = collect(signed_axfr, state, Transport::tcp, "127.0.0.2"); // the right key, another address
    CHECK(c.replies[0].rcode == 5);
    CHECK(tsig::check_reply(c.messages[0], k, mac, 1700000000) == tsig::ReplyCheck::ok);

    c = collect(signed_query(make_query("other.test.", 252), k, mac), state);
    CHECK(c.replies[0].rcode == 9); // NOTAUTH: not a zone of ours
    CHECK(c.summary.kind == xfr::Kind::refused);

    c = collect(signed_axfr, state, Transport::udp); // RFC 5936 §4.2
    CHECK(c.replies[0].rcode == 4);
    CHECK(c.summary.kind == xfr::Kind::other_error);

    const auto other = key("other-key");
    c = collect(signed_query(axfr, other, mac), state); // a key we do not know
    CHECK(c.replies[0].rcode == 9);
    CHECK(c.summary.tsig_error == tsig::Error::badkey);
    REQUIRE(c.replies[0].additional.size() == 1);
    CHECK(tsig::check_reply(c.messages[0], other, mac, 1700000000) == tsig::ReplyCheck::error);

    auto forged = signed_axfr;
    forged[forged.size() - 10] ^= 1; // inside the MAC
    c = collect(forged, state);
    CHECK(c.replies[0].rcode == 9);
    CHECK(c.summary.tsig_error == tsig::Error::badsig);

    c = collect(signed_axfr, state, Transport::tcp, "127.0.0.1", 1700000000 + 301);
    CHECK(c.replies[0].rcode == 9);
    CHECK(c.summary.tsig_error == tsig::Error::badtime);
}

TEST_CASE("axfr: a signed ordinary query is answered as usual and signed, over UDP too") {
    const auto k = key("xfr-key");
    const auto zone = zone_from_text(big_zone_text(), "big.test.");
    const auto state =
        xfr::next_state(nullptr, set_of(zone), allow_config("127.0.0.1:xfr-key", {k}));
    std::vector<std::uint8_t> mac;
    const auto c =
        collect(signed_query(make_query("host-0007.big.test.", 1), k, mac), state, Transport::udp);
    REQUIRE(c.messages.size() == 1);
    CHECK(c.summary.kind == xfr::Kind::signed_query);
    REQUIRE(c.answers.size() == 1);
    CHECK(c.answers[0].data == "10.0.0.7");
    CHECK(tsig::check_reply(c.messages[0], k, mac, 1700000000) == tsig::ReplyCheck::ok);
}

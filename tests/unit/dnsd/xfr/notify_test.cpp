// SPDX-License-Identifier: GPL-3.0-or-later
// NOTIFY (RFC 1996) as we send it, signed or not, and what a reply must
// be to count: the same ID and question, opcode NOTIFY, and, when we
// signed, a valid signature over our MAC. And when an unanswered one is
// sent again.
#include "dnsd/tsig/tsig.hpp"
#include "dnsd/xfr/notify_message.hpp"
#include "dnsd/xfr/notify_retry.hpp"
#include "unit/dnsd/xfr/xfr_util.hpp"

#include <algorithm>

using namespace phx;
using namespace phx::dns;
using namespace phx::test;

namespace {

constexpr std::uint64_t kNow = 1700000000;

tsig::Key test_key(std::string_view name, char fill) {
    return {*tsig::parse_key_name(name), tsig::Algorithm::hmac_sha256,
            std::vector<std::uint8_t>(32, static_cast<std::uint8_t>(fill))};
}

std::shared_ptr<const Zone> test_zone() {
    return zone_from_text("$TTL 300\n@ SOA ns1 hostmaster 42 86400 3600 1209600 60\n@ NS ns1\n"
                          "ns1 A 192.0.2.1\n",
                          "n.test.");
}

// What a secondary sends back: our header and question, QR set, the
// answer section dropped, `rcode`; signed with `key` over our MAC if given.
std::vector<std::uint8_t> reply_to(const xfr::NotifyMessage& sent, Rcode rcode,
                                   const tsig::Key* key, std::uint16_t id_delta = 0) {
    const std::size_t question_end = kHeaderSize + 8 + 4; // \x01n\x04test\x00 + type + class
    std::vector<std::uint8_t> buffer(512);
    std::copy_n(sent.bytes.begin(), question_end, buffer.begin());
    const auto id = static_cast<std::uint16_t>(sent.id + id_delta);
    buffer[0] = static_cast<std::uint8_t>(id >> 8);
    buffer[1] = static_cast<std::uint8_t>(id);
    buffer[2] |= 0x80; // QR
    buffer[3] = static_cast<std::uint8_t>((buffer[3] & 0xf0) | to_u16(rcode));
    buffer[7] = 0; // ANCOUNT
    buffer[11] = 0; // ARCOUNT
    std::size_t size = question_end;
    if (key) {
        tsig::Signer signer{*key, sent.mac.view()};
        REQUIRE(signer.sign(buffer, size, kNow));
    }
    buffer.resize(size);
    return buffer;
}

} // namespace

TEST_CASE("notify: opcode NOTIFY, AA, the zone's SOA as question and as answer") {
    const auto zone = test_zone();
    const auto sent = xfr::make_notify(*zone, 0x4242, nullptr, kNow);
    const Reply m = decode(sent.bytes);
    REQUIRE(m.parsed);
    CHECK(m.id == 0x4242);
    CHECK(((m.flags >> 11) & 0xf) == 4); // opcode NOTIFY
    CHECK(m.flag(0x0400));               // AA
    CHECK_FALSE(m.flag(0x8000));         // a request
    CHECK(m.qname == "n.test.");
    REQUIRE(m.answer.size() == 1);
    CHECK(m.answer[0].type == 6);
    CHECK(m.answer[0].data == "ns1.n.test. hostmaster.n.test. 42 min=60");
    CHECK(m.additional.empty());
    CHECK(sent.mac.size == 0);
}

TEST_CASE("notify: signed, it verifies at a secondary that holds the key") {
    const auto zone = test_zone();
    const auto key = test_key("nsd-key", 'k');
    const auto sent = xfr::make_notify(*zone, 7, &key, kNow);
    CHECK(sent.mac.size == 32);
    const auto at = tsig::find_record(sent.bytes);
    REQUIRE(at);
    const tsig::Keyring ring{{key}};
    CHECK(tsig::check_request(sent.bytes, *at, ring, kNow + 10).verdict ==
          tsig::RequestCheck::Verdict::ok);
    const tsig::Keyring other{{test_key("nsd-key", 'x')}};
    const auto bad = tsig::check_request(sent.bytes, *at, other, kNow);
    CHECK(bad.error == tsig::Error::badsig);
}

TEST_CASE("notify: which replies count, unsigned and signed") {
    const auto zone = test_zone();
    const auto plain = xfr::make_notify(*zone, 100, nullptr, kNow);
    CHECK(xfr::check_notify_reply(reply_to(plain, Rcode::noerror, nullptr), plain, *zone, nullptr,
                                  kNow)
              .verdict == xfr::NotifyReply::acknowledged);
    CHECK(xfr::check_notify_reply(reply_to(plain, Rcode::noerror, nullptr, 1), plain, *zone,
                                  nullptr, kNow)
              .verdict == xfr::NotifyReply::not_for_us); // another ID: a stray reply
    const auto refused = xfr::check_notify_reply(reply_to(plain, Rcode::refused, nullptr), plain,
                                                 *zone, nullptr, kNow);
    CHECK(refused.verdict == xfr::NotifyReply::refused);
    CHECK(refused.rcode == Rcode::refused);

    const auto key = test_key("knot-key", 'k');
    const auto sent = xfr::make_notify(*zone, 200, &key, kNow);
    CHECK(xfr::check_notify_reply(reply_to(sent, Rcode::noerror, &key), sent, *zone, &key, kNow)
              .verdict == xfr::NotifyReply::acknowledged);
    // An unsigned "yes" to a signed NOTIFY proves nothing; an unsigned
    // NOTAUTH is how a secondary without our key says no.
    CHECK(xfr::check_notify_reply(reply_to(sent, Rcode::noerror, nullptr), sent, *zone, &key, kNow)
              .verdict == xfr::NotifyReply::not_for_us);
    CHECK(xfr::check_notify_reply(reply_to(sent, Rcode::notauth, nullptr), sent, *zone, &key, kNow)
              .verdict == xfr::NotifyReply::refused);
    const auto impostor = test_key("knot-key", 'x');
    CHECK(xfr::check_notify_reply(reply_to(sent, Rcode::noerror, &impostor), sent, *zone, &key,
                                  kNow)
              .verdict == xfr::NotifyReply::not_for_us);
    // Signed over another request's MAC: a replay of an older reply.
    const auto older = xfr::make_notify(*zone, 200, &key, kNow - 5);
    CHECK(xfr::check_notify_reply(reply_to(older, Rcode::noerror, &key), sent, *zone, &key, kNow)
              .verdict == xfr::NotifyReply::not_for_us);
    CHECK(xfr::check_notify_reply(reply_to(sent, Rcode::noerror, &key), sent, *zone, &key,
                                  kNow + 3600)
              .verdict == xfr::NotifyReply::not_for_us); // outside the fudge
}

TEST_CASE("notify: a reply cut short anywhere is not a reply, and nothing is read beyond it") {
    const auto zone = test_zone();
    const auto key = test_key("knot-key", 'k');
    const auto sent = xfr::make_notify(*zone, 300, &key, kNow);
    const auto whole = reply_to(sent, Rcode::noerror, &key);
    for (std::size_t n = 0; n < whole.size(); ++n) {
        // A copy of exactly n bytes: ASan catches a read past its end.
        const std::vector<std::uint8_t> cut(whole.begin(),
                                            whole.begin() + static_cast<std::ptrdiff_t>(n));
        CHECK(xfr::check_notify_reply(cut, sent, *zone, &key, kNow).verdict ==
              xfr::NotifyReply::not_for_us);
    }
}

TEST_CASE("notify: unanswered, it is sent again after 2, 4, 8, 16, 32 s, then every minute") {
    std::vector<long> intervals;
    for (int attempt = 1; attempt <= 8; ++attempt)
        intervals.push_back(static_cast<long>(xfr::notify_retry_interval(attempt).count()));
    CHECK(intervals == std::vector<long>{2, 4, 8, 16, 32, 60, 60, 60});
}

// SPDX-License-Identifier: GPL-3.0-or-later
// TSIG (RFC 8945): OpenSSL's HMAC against RFC 4231, messages signed by
// dnspython verified here and ours byte for byte equal to dnspython's, and
// each error a request can earn: BADKEY, BADSIG, BADTIME, FORMERR.
#include "dnsd/tsig/tsig.hpp"
#include "dnsd/wire/types.hpp"
#include "unit/dnsd/message_util.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace phx::dns;
using namespace phx::dns::tsig;

namespace {

std::vector<std::uint8_t> from_hex(std::string_view hex) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string{hex.substr(i, 2)}, nullptr, 16)));
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

Key test_key(std::string_view name = "xfr-key") {
    // base64 "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
    const std::string secret = "0123456789abcdef0123456789abcdef";
    return {*parse_key_name(name), Algorithm::hmac_sha256, {secret.begin(), secret.end()}};
}

// Made with dnspython 2.3 (Message.use_tsig, to_wire with time.time fixed):
// an SOA query for phx.test. with ID 0x1234 signed with xfr-key at
// 1700000000, and an A answer to it (make_response) signed at 1700000001.
constexpr std::string_view kQuery =
    "1234000000010000000000010370687804746573740000060001077866722d6b65790000fa00ff00000000003d"
    "0b686d61632d7368613235360000006553f100012c0020d614cb22aaa04f5509103230479c40b0c0d2e22532bc"
    "00088c606e27bebdc72d123400000000";
constexpr std::string_view kQueryMac =
    "d614cb22aaa04f5509103230479c40b0c0d2e22532bc00088c606e27bebdc72d";
constexpr std::string_view kResponse =
    "1234840000010001000000010370687804746573740000060001c00c0001000100000e100004c0000201077866"
    "722d6b65790000fa00ff00000000003d0b686d61632d7368613235360000006553f101012c0020caa52ad13c60"
    "e7dfa71ddcce24dce58616e84ce73c0ac854b93f2b546cd1e75c123400000000";
constexpr std::uint64_t kSigned = 1700000000;

std::size_t tsig_offset(std::span<const std::uint8_t> m) {
    const auto at = find_record(m);
    REQUIRE(at);
    return *at;
}

// A query for phx.test. SOA signed by us with `key` at `when`.
std::vector<std::uint8_t> signed_query(const Key& key, std::uint64_t when) {
    auto q = phx::test::make_query("phx.test.", to_u16(RrType::soa));
    std::vector<std::uint8_t> buffer(512);
    std::copy(q.begin(), q.end(), buffer.begin());
    std::size_t size = q.size();
    Signer signer{key, {}};
    REQUIRE(signer.sign(buffer, size, when));
    buffer.resize(size);
    return buffer;
}

} // namespace

TEST_CASE("tsig: OpenSSL's HMAC-SHA256 gives RFC 4231 test case 2") {
    const std::string key = "Jefe", data = "what do ya want for nothing?";
    Hmac h{Algorithm::hmac_sha256, {reinterpret_cast<const std::uint8_t*>(key.data()), key.size()}};
    h.update({reinterpret_cast<const std::uint8_t*>(data.data()), data.size()});
    CHECK(to_hex(h.finish().view()) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("tsig: algorithm names and base64 secrets are read strictly") {
    CHECK(parse_algorithm("HMAC-SHA256.") == Algorithm::hmac_sha256);
    CHECK(parse_algorithm("hmac-sha512") == Algorithm::hmac_sha512);
    CHECK_FALSE(parse_algorithm("hmac-md5"));
    CHECK(decode_base64(" MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n")->size() == 32);
    CHECK(decode_base64("YQ==")->size() == 1);
    CHECK_FALSE(decode_base64("YQ="));  // not a multiple of 4
    CHECK_FALSE(decode_base64("Y=Q=")); // '=' in the middle
    CHECK_FALSE(decode_base64("!!!!"));
    CHECK_FALSE(decode_base64(""));
    CHECK(parse_key_name("Xfr-Key")->to_text() == "xfr-key.");
    CHECK_FALSE(parse_key_name("a:b"));
    CHECK_FALSE(parse_key_name("."));
}

TEST_CASE("tsig: a query signed by dnspython verifies, inside the fudge only") {
    const Keyring keys{{test_key()}};
    const auto q = from_hex(kQuery);
    auto check = check_request(q, tsig_offset(q), keys, kSigned + 300);
    CHECK(check.verdict == RequestCheck::Verdict::ok);
    CHECK(check.key == &keys.keys()[0]);
    CHECK(to_hex(check.record.mac) == kQueryMac);

    check = check_request(q, tsig_offset(q), keys, kSigned + 301);
    CHECK(check.verdict == RequestCheck::Verdict::error);
    CHECK(check.error == Error::badtime);
    CHECK(check_request(q, tsig_offset(q), keys, kSigned - 301).error == Error::badtime);
}

TEST_CASE("tsig: our signature on a response is byte for byte dnspython's") {
    const Key key = test_key();
    auto expected = from_hex(kResponse);
    const std::size_t unsigned_size = tsig_offset(expected);
    std::vector<std::uint8_t> buffer(expected.begin(),
                                     expected.begin() + static_cast<std::ptrdiff_t>(unsigned_size));
    buffer[11] = 0; // ARCOUNT without the TSIG record
    buffer.resize(512);
    std::size_t size = unsigned_size;
    Signer signer{key, from_hex(kQueryMac)};
    REQUIRE(signer.sign(buffer, size, kSigned + 1));
    buffer.resize(size);
    CHECK(to_hex(buffer) == kResponse);
    CHECK(check_reply(buffer, key, from_hex(kQueryMac), kSigned + 1) == ReplyCheck::ok);
    const std::vector<std::uint8_t> another_mac(32, 0x55);
    CHECK(check_reply(buffer, key, another_mac, kSigned + 1) == ReplyCheck::bad);
}

TEST_CASE("tsig: a changed byte is BADSIG, an unknown key or algorithm BADKEY") {
    const Keyring keys{{test_key()}};
    auto q = signed_query(keys.keys()[0], kSigned);
    CHECK(check_request(q, tsig_offset(q), keys, kSigned).verdict == RequestCheck::Verdict::ok);

    auto tampered = q;
    tampered[3] ^= 0x01; // a header flag
    auto check = check_request(tampered, tsig_offset(tampered), keys, kSigned);
    CHECK(check.error == Error::badsig);
    CHECK(check.key == nullptr);

    const Key other = test_key("other-key");
    auto foreign = signed_query(other, kSigned);
    CHECK(check_request(foreign, tsig_offset(foreign), keys, kSigned).error == Error::badkey);

    Key same_name_other_algorithm = test_key();
    same_name_other_algorithm.algorithm = Algorithm::hmac_sha512;
    auto wrong_algorithm = signed_query(same_name_other_algorithm, kSigned);
    CHECK(check_request(wrong_algorithm, tsig_offset(wrong_algorithm), keys, kSigned).error ==
          Error::badkey);

    Key wrong_secret = test_key();
    wrong_secret.secret[0] ^= 1;
    auto forged = signed_query(wrong_secret, kSigned);
    CHECK(check_request(forged, tsig_offset(forged), keys, kSigned).error == Error::badsig);
}

TEST_CASE("tsig: a MAC of impossible length is FORMERR, a truncated one BADTRUNC") {
    const Keyring keys{{test_key()}};
    auto q = signed_query(keys.keys()[0], kSigned);
    const std::size_t at = tsig_offset(q);
    // MAC size field: after the owner (9), type/class/ttl/rdlength (10), the
    // algorithm (13), time (6) and fudge (2).
    const std::size_t mac_size_at = at + 9 + 10 + 13 + 8;
    REQUIRE(q[mac_size_at + 1] == 32);

    auto shorter = q; // cut the MAC to 16 bytes, the RR's rdlength too
    shorter[mac_size_at + 1] = 16;
    shorter.erase(shorter.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + 16),
                  shorter.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + 32));
    shorter[at + 9 + 8 + 1] = static_cast<std::uint8_t>(shorter[at + 9 + 8 + 1] - 16);
    CHECK(check_request(shorter, at, keys, kSigned).error == Error::badtrunc);

    auto tiny = shorter; // 8 bytes: below the RFC 8945 §5.2.2.1 minimum
    tiny[mac_size_at + 1] = 8;
    tiny.erase(tiny.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + 8),
               tiny.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + 16));
    tiny[at + 9 + 8 + 1] = static_cast<std::uint8_t>(tiny[at + 9 + 8 + 1] - 8);
    CHECK(check_request(tiny, at, keys, kSigned).verdict == RequestCheck::Verdict::formerr);

    const std::vector<std::uint8_t> cut(q.begin(), q.end() - 1);
    CHECK(check_request(cut, at, keys, kSigned).verdict == RequestCheck::Verdict::formerr);
}

TEST_CASE("tsig: error replies: BADSIG unsigned, BADTIME signed with our clock") {
    const Keyring keys{{test_key()}};
    auto q = signed_query(keys.keys()[0], kSigned);
    const auto check = check_request(q, tsig_offset(q), keys, kSigned + 1000);
    REQUIRE(check.error == Error::badtime);
    std::vector<std::uint8_t> reply(q.begin(),
                                    q.begin() + static_cast<std::ptrdiff_t>(check.record.offset));
    reply[2] |= 0x80;
    reply[3] = 9; // NOTAUTH
    reply[11] = 0;
    std::size_t size = reply.size();
    reply.resize(512);
    REQUIRE(sign_badtime(reply, size, check, kSigned + 1000));
    reply.resize(size);
    const auto rec = read_record(reply, tsig_offset(reply));
    REQUIRE(rec);
    CHECK(rec->error == 18);
    CHECK(rec->time_signed == kSigned); // the client's own time, so it can verify the reply
    CHECK(to_hex(rec->other) == "00006553f4e8");
    CHECK(check_reply(reply, keys.keys()[0], check.record.mac, kSigned) == ReplyCheck::error);

    std::vector<std::uint8_t> badsig(q.begin(),
                                     q.begin() + static_cast<std::ptrdiff_t>(check.record.offset));
    badsig[11] = 0;
    size = badsig.size();
    badsig.resize(512);
    REQUIRE(append_unsigned_error(badsig, size, check.record, Error::badsig));
    badsig.resize(size);
    const auto unsigned_rec = read_record(badsig, tsig_offset(badsig));
    REQUIRE(unsigned_rec);
    CHECK(unsigned_rec->mac.empty());
    CHECK(unsigned_rec->error == 16);
    CHECK(check_reply(badsig, keys.keys()[0], check.record.mac, kSigned) == ReplyCheck::error);
}

TEST_CASE("tsig: a sequence signs each message over the previous MAC and the timers") {
    const Key key = test_key();
    const std::vector<std::uint8_t> request_mac(32, 0xab);
    Signer signer{key, request_mac};
    std::vector<std::vector<std::uint8_t>> messages;
    for (int i = 0; i < 3; ++i) {
        auto m = phx::test::make_query("phx.test.", to_u16(RrType::axfr));
        m[2] = 0x84;
        std::size_t size = m.size();
        m.resize(512);
        REQUIRE(signer.sign(m, size, kSigned));
        m.resize(size);
        messages.push_back(m);
    }
    // The client side, as dnspython does it: the first against the request
    // MAC with the full variables, the rest chained.
    CHECK(check_reply(messages[0], key, request_mac, kSigned) == ReplyCheck::ok);
    CHECK(check_reply(messages[1], key, request_mac, kSigned) == ReplyCheck::bad);
    CHECK(messages[1] != messages[2]);
}

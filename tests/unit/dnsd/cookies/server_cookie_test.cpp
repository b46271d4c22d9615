// SPDX-License-Identifier: GPL-3.0-or-later
// SipHash-2-4 against the reference vectors of its paper, and RFC 9018
// server cookies against the worked examples of its Appendix A: made,
// checked, expired, renewed, and accepted across a secret rollover.
#include "dnsd/cookies/server_cookie.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace phx;
using namespace phx::dns;

namespace {

std::vector<std::uint8_t> hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(
            static_cast<std::uint8_t>(std::stoi(std::string{text.substr(i, 2)}, nullptr, 16)));
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (auto b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xf];
    }
    return out;
}

CookieSecret secret(std::string_view text) {
    CookieSecret s{};
    const auto bytes = hex(text);
    REQUIRE(bytes.size() == s.size());
    std::copy(bytes.begin(), bytes.end(), s.begin());
    return s;
}

IpAddress ip(std::string_view text) {
    auto a = IpAddress::parse(text);
    REQUIRE(a);
    return *a;
}

// The RFC 9018 Appendix A secrets and addresses.
const char* const kSecret = "e5e973e5a6b2a43f48e7dc849e37bfcf";
const char* const kOldSecret = "dd3bdf9344b678b185a6f5cb60fca715";
const char* const kNewSecret = "445536bcd2513298075a5d379663c962";

struct Exchange {
    CookieVerdict verdict;
    std::string reply; // the COOKIE option data sent back, in hex
};

Exchange ask(CookieSigner& signer, std::string_view option_hex, std::string_view client,
             std::uint32_t now) {
    const auto option = hex(option_hex);
    CookieReply reply{};
    const CookieContext context{&signer, now, ip(client)};
    const auto verdict = answer_cookie(option, context, reply);
    return {verdict, to_hex(reply)};
}

CookieSigner signer_with(std::initializer_list<const char*> secrets) {
    std::vector<CookieSecret> list;
    for (const char* s : secrets) list.push_back(secret(s));
    CookieSigner signer;
    signer.set_secrets(list);
    return signer;
}

} // namespace

TEST_CASE("siphash: the reference vectors of the SipHash paper (key 00..0f, message 00..n-1)") {
    SipHasher::Key key{};
    std::vector<std::uint8_t> message(63);
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i);
    for (std::size_t i = 0; i < message.size(); ++i) message[i] = static_cast<std::uint8_t>(i);
    SipHasher h{key};
    CHECK(h.hash64(std::span{message}.first(0)) == 0x726fdb47dd0e0e31u);
    CHECK(h.hash64(std::span{message}.first(15)) == 0xa129ca6149be45e5u);
    CHECK(h.hash64(message) == 0x958a324ceb064572u);
    // The context is reset for every hash: the same input, the same result.
    CHECK(h.hash64(std::span{message}.first(15)) == 0xa129ca6149be45e5u);
}

TEST_CASE("cookies: RFC 9018 A.1, a client cookie alone gets a new server cookie") {
    auto signer = signer_with({kSecret});
    const auto e = ask(signer, "2464c4abcf10c957", "198.51.100.100", 1559731985);
    CHECK(e.verdict == CookieVerdict::client_only);
    CHECK(e.reply == "2464c4abcf10c957010000005cf79f111f8130c3eee29480");
}

TEST_CASE("cookies: RFC 9018 A.2, a valid cookie 40 minutes old is renewed") {
    auto signer = signer_with({kSecret});
    const auto e = ask(signer, "2464c4abcf10c957010000005cf79f111f8130c3eee29480", "198.51.100.100",
                       1559734385);
    CHECK(e.verdict == CookieVerdict::valid);
    CHECK(e.reply == "2464c4abcf10c957010000005cf7a871d4a564a1442aca77");
}

TEST_CASE("cookies: RFC 9018 A.3, reserved bytes another server set are part of the hash") {
    // The query's cookie was made at 1559727985 by another implementation
    // sharing the secret; the reply at 1559734700 renews it, reserved zero.
    auto signer = signer_with({kSecret});
    const auto e = ask(signer, "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5", "203.0.113.203",
                       1559727985 + 1800);
    CHECK(e.verdict == CookieVerdict::valid);
    const auto renewed = ask(signer, "fc93fc62807ddb8601abcdef5cf78f71a314227b6679ebf5",
                             "203.0.113.203", 1559734700);
    CHECK(renewed.verdict == CookieVerdict::invalid); // 1 h 52 min old: expired
    CHECK(renewed.reply == "fc93fc62807ddb86010000005cf7a9acf73a7810aca2381e");
}

TEST_CASE("cookies: RFC 9018 A.4, an IPv6 client across a secret rollover") {
    // The cookie was made with the old secret; the server now makes cookies
    // with the new one and still accepts the old.
    auto signer = signer_with({kNewSecret, kOldSecret});
    const auto e = ask(signer, "22681ab97d52c298010000005cf7c57926556bd0934c72f8",
                       "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961);
    CHECK(e.verdict == CookieVerdict::valid);
    CHECK(e.reply == "22681ab97d52c298010000005cf7c609a6bb79d16625507a");
    auto only_new = signer_with({kNewSecret});
    CHECK(ask(only_new, "22681ab97d52c298010000005cf7c57926556bd0934c72f8",
              "2001:db8:220:1:59de:d0f4:8769:82b8", 1559741961)
              .verdict == CookieVerdict::invalid);
}

TEST_CASE("cookies: a young valid cookie goes back as it came, with no new hash") {
    auto signer = signer_with({kSecret});
    const std::string cookie = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
    const auto e = ask(signer, cookie, "198.51.100.100", 1559731985 + 1799);
    CHECK(e.verdict == CookieVerdict::valid);
    CHECK(e.reply == cookie);
}

TEST_CASE("cookies: a cookie from another address, or altered, is invalid and replaced") {
    auto signer = signer_with({kSecret});
    const std::string cookie = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
    const auto other = ask(signer, cookie, "198.51.100.101", 1559731990);
    CHECK(other.verdict == CookieVerdict::invalid);
    CHECK(other.reply.substr(0, 16) == "2464c4abcf10c957");
    CHECK(other.reply != cookie);
    CHECK(ask(signer, "2464c4abcf10c957010000005cf79f111f8130c3eee29481", "198.51.100.100",
              1559731990)
              .verdict == CookieVerdict::invalid);
    CHECK(ask(signer, "2464c4abcf10c957020000005cf79f111f8130c3eee29480", "198.51.100.100",
              1559731990)
              .verdict == CookieVerdict::invalid); // version 2 is not ours
    CHECK(ask(signer, "2464c4abcf10c9570102030405060708", "198.51.100.100", 1559731990).verdict ==
          CookieVerdict::invalid); // 8 bytes: some other server's
}

TEST_CASE("cookies: good for an hour, from a clock at most five minutes ahead") {
    const std::uint32_t made = 1559731985;
    CHECK(cookie_time_ok(made, made));
    CHECK(cookie_time_ok(made, made + 3600));
    CHECK_FALSE(cookie_time_ok(made, made + 3601));
    CHECK(cookie_time_ok(made, made - 300));
    CHECK_FALSE(cookie_time_ok(made, made - 301));
    // Serial arithmetic: an hour old across the 2^32 wrap is an hour old.
    CHECK(cookie_time_ok(0xffffff00u, 0xffffff00u + 3000u));
    auto signer = signer_with({kSecret});
    const std::string cookie = "2464c4abcf10c957010000005cf79f111f8130c3eee29480";
    const auto expired = ask(signer, cookie, "198.51.100.100", made + 3601);
    CHECK(expired.verdict == CookieVerdict::invalid);
    CHECK(expired.reply != cookie);
    CHECK(ask(signer, cookie, "198.51.100.100", made - 301).verdict == CookieVerdict::invalid);
}

TEST_CASE("cookies: after two rotations a cookie of the oldest secret is no longer accepted") {
    const auto a = secret("000102030405060708090a0b0c0d0e0f");
    const auto b = secret("101112131415161718191a1b1c1d1e1f");
    const auto c = secret("202122232425262728292a2b2c2d2e2f");
    CookieSigner signer;
    const std::vector<CookieSecret> first{a};
    signer.set_secrets(first);
    const auto made = ask(signer, "0102030405060708", "192.0.2.1", 1000000);
    const std::vector<CookieSecret> second{b, a};
    signer.set_secrets(second);
    CHECK(ask(signer, made.reply, "192.0.2.1", 1000010).verdict == CookieVerdict::valid);
    const std::vector<CookieSecret> third{c, b};
    signer.set_secrets(third);
    CHECK(ask(signer, made.reply, "192.0.2.1", 1000020).verdict == CookieVerdict::invalid);
}

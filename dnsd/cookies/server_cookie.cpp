// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 9018 server cookies (see server_cookie.hpp).
#include "dnsd/cookies/server_cookie.hpp"

#include <algorithm>
#include <cassert>

namespace phx::dns {
namespace {

constexpr std::uint8_t kVersion = 1; // RFC 9018 §4.1
constexpr std::size_t kHeader = 8;   // version, reserved, timestamp: hashed as written

// The hash of Client Cookie | Version | Reserved | Timestamp | Client IP.
bool cookie_hash(SipHasher& hasher, std::span<const std::uint8_t> client_cookie,
                 std::span<const std::uint8_t> header, const IpAddress& client,
                 SipHasher::Digest& out) noexcept {
    std::array<std::uint8_t, kClientCookieSize + kHeader + 16> input{};
    auto it = std::copy(client_cookie.begin(), client_cookie.end(), input.begin());
    it = std::copy(header.begin(), header.end(), it);
    it = std::copy_n(client.bytes.begin(), client.size(), it);
    return hasher.hash({input.data(), static_cast<std::size_t>(it - input.begin())}, out);
}

std::uint32_t stamp_of(std::span<const std::uint8_t> server_cookie) noexcept {
    return std::uint32_t{server_cookie[4]} << 24 | std::uint32_t{server_cookie[5]} << 16 |
           std::uint32_t{server_cookie[6]} << 8 | server_cookie[7];
}

// Compares without an early exit, so timing tells nothing about the hash.
bool equal_digest(std::span<const std::uint8_t> a, const SipHasher::Digest& b) noexcept {
    unsigned diff = 0;
    for (std::size_t i = 0; i < b.size(); ++i) diff |= static_cast<unsigned>(a[i] ^ b[i]);
    return diff == 0;
}

// The index of the secret that made this cookie; signer.size() for none.
std::size_t secret_of(CookieSigner& signer, std::span<const std::uint8_t> client_cookie,
                      std::span<const std::uint8_t> server_cookie,
                      const IpAddress& client) noexcept {
    std::size_t i = 0;
    while (i < signer.size() &&
           !server_cookie_matches(signer.hasher(i), client_cookie, server_cookie, client))
        ++i;
    return i;
}

} // namespace

void CookieSigner::set_secrets(std::span<const CookieSecret> secrets) {
    assert(secrets.size() <= kMaxSecrets);
    std::vector<SipHasher> hashers;
    for (const auto& s : secrets.first(std::min(secrets.size(), kMaxSecrets)))
        hashers.emplace_back(s);
    hashers_ = std::move(hashers);
}

ServerCookie make_server_cookie(SipHasher& hasher, std::span<const std::uint8_t> client_cookie,
                                std::uint32_t now, const IpAddress& client) noexcept {
    ServerCookie cookie{kVersion,
                        0,
                        0,
                        0,
                        static_cast<std::uint8_t>(now >> 24),
                        static_cast<std::uint8_t>(now >> 16),
                        static_cast<std::uint8_t>(now >> 8),
                        static_cast<std::uint8_t>(now)};
    SipHasher::Digest digest{};
    (void)cookie_hash(hasher, client_cookie, std::span{cookie}.first(kHeader), client, digest);
    std::copy(digest.begin(), digest.end(), cookie.begin() + kHeader);
    return cookie;
}

bool server_cookie_matches(SipHasher& hasher, std::span<const std::uint8_t> client_cookie,
                           std::span<const std::uint8_t> server_cookie,
                           const IpAddress& client) noexcept {
    if (server_cookie.size() != kServerCookieSize || server_cookie[0] != kVersion) return false;
    SipHasher::Digest digest{};
    if (!cookie_hash(hasher, client_cookie, server_cookie.first(kHeader), client, digest))
        return false;
    return equal_digest(server_cookie.subspan(kHeader), digest);
}

bool cookie_time_ok(std::uint32_t stamp, std::uint32_t now) noexcept {
    // Serial number arithmetic (RFC 1982): the age as a signed difference.
    const auto age = static_cast<std::int32_t>(now - stamp);
    return age <= static_cast<std::int32_t>(kCookieLifetime) &&
           age >= -static_cast<std::int32_t>(kCookieClockSkew);
}

CookieVerdict answer_cookie(std::span<const std::uint8_t> option, const CookieContext& context,
                            CookieReply& reply) noexcept {
    const auto client_cookie = option.first(kClientCookieSize);
    const auto server_cookie = option.subspan(kClientCookieSize);
    CookieSigner& signer = *context.signer;
    std::copy(client_cookie.begin(), client_cookie.end(), reply.begin());
    auto verdict = CookieVerdict::client_only;
    if (!server_cookie.empty()) {
        // RFC 9018 §4.3: check the clock first, it costs no hash.
        const std::size_t secret =
            server_cookie.size() == kServerCookieSize &&
                    cookie_time_ok(stamp_of(server_cookie), context.now)
                ? secret_of(signer, client_cookie, server_cookie, context.client)
                : signer.size();
        verdict = secret < signer.size() ? CookieVerdict::valid : CookieVerdict::invalid;
        const auto age = static_cast<std::int32_t>(context.now - stamp_of(server_cookie));
        // A young cookie of the current secret goes back as it came, with no
        // second hash; one of an older secret is made anew with the current
        // one (RFC 9018 A.4), so the old secret can be retired after a period.
        if (secret == 0 && age < static_cast<std::int32_t>(kCookieRefreshAge)) {
            std::copy(server_cookie.begin(), server_cookie.end(),
                      reply.begin() + kClientCookieSize);
            return verdict;
        }
    }
    const ServerCookie fresh =
        make_server_cookie(signer.hasher(0), client_cookie, context.now, context.client);
    std::copy(fresh.begin(), fresh.end(), reply.begin() + kClientCookieSize);
    return verdict;
}

} // namespace phx::dns

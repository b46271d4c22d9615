// SPDX-License-Identifier: GPL-3.0-or-later
// DNS cookies (RFC 7873) with the interoperable server cookie of RFC 9018:
//
//   Version (1) | Reserved (3) | Timestamp (4) | Hash (8)
//   Hash = SipHash-2-4(Client Cookie | Version | Reserved | Timestamp | Client IP, secret)
//
// so every server sharing a secret (an anycast set, RFC 9018 §3.2) makes and
// accepts the same cookies, whatever its software. Nothing here allocates:
// answer() calls it for every query that carries a COOKIE option.
#pragma once

#include "common/net.hpp"
#include "dnsd/cookies/siphash.hpp"
#include "dnsd/edns_options.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace phx::dns {

using CookieSecret = SipHasher::Key;
using ServerCookie = std::array<std::uint8_t, kServerCookieSize>;

// RFC 9018 §4.3: a cookie is good for an hour, may come from a clock five
// minutes ahead, and is made anew once it is half an hour old.
constexpr std::uint32_t kCookieLifetime = 3600;
constexpr std::uint32_t kCookieClockSkew = 300;
constexpr std::uint32_t kCookieRefreshAge = 1800;

// The secrets of one worker, each with its own SipHash context: the first
// makes cookies, every one is accepted (the previous secret after a
// rotation, or older configured ones during a rollover).
class CookieSigner {
public:
    static constexpr std::size_t kMaxSecrets = 4;

    // Rekeys; allocates (at start and at each rotation, not per query).
    // At most kMaxSecrets; an empty list turns cookies off.
    void set_secrets(std::span<const CookieSecret> secrets);
    [[nodiscard]] bool enabled() const noexcept { return !hashers_.empty(); }
    [[nodiscard]] std::size_t size() const noexcept { return hashers_.size(); }
    [[nodiscard]] SipHasher& hasher(std::size_t i) noexcept { return hashers_[i]; }

private:
    std::vector<SipHasher> hashers_;
};

// What the client's COOKIE option amounted to.
enum class CookieVerdict : std::uint8_t {
    none,        // no COOKIE option (or cookies are off)
    malformed,   // a forbidden length: the reply is FORMERR (RFC 7873 §5.2.2)
    client_only, // a client cookie alone: a new server cookie goes back
    valid,       // our server cookie, unexpired, for this client
    invalid,     // a server cookie we did not make, for another address, or expired: a new one goes
                 // back
};

struct CookieContext {
    CookieSigner* signer = nullptr;
    std::uint32_t now = 0; // seconds since the epoch, modulo 2^32 (RFC 1982 arithmetic)
    IpAddress client;
};

// The COOKIE option data of a reply: the client cookie, then ours.
using CookieReply = std::array<std::uint8_t, kClientCookieSize + kServerCookieSize>;

// Judges the data of a well-formed COOKIE option (8 bytes, or 16 to 40) and
// writes the option data to send back into `reply`: the client's valid
// server cookie as it came while younger than half an hour, else a new one.
[[nodiscard]] CookieVerdict answer_cookie(std::span<const std::uint8_t> option,
                                          const CookieContext& context,
                                          CookieReply& reply) noexcept;

// RFC 9018 §4.2, for a secret's hasher: a new server cookie stamped `now`.
[[nodiscard]] ServerCookie make_server_cookie(SipHasher& hasher,
                                              std::span<const std::uint8_t> client_cookie,
                                              std::uint32_t now, const IpAddress& client) noexcept;
// Whether `server_cookie` (16 bytes, version 1) is the one `hasher` makes for
// this client cookie and address, reserved bytes included (RFC 9018 §4.2).
// The timestamp is not judged here.
[[nodiscard]] bool server_cookie_matches(SipHasher& hasher,
                                         std::span<const std::uint8_t> client_cookie,
                                         std::span<const std::uint8_t> server_cookie,
                                         const IpAddress& client) noexcept;

// RFC 9018 §4.3: whether a cookie stamped `stamp` may be accepted at `now`.
[[nodiscard]] bool cookie_time_ok(std::uint32_t stamp, std::uint32_t now) noexcept;

} // namespace phx::dns

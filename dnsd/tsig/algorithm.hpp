// SPDX-License-Identifier: GPL-3.0-or-later
// The TSIG algorithms we sign and verify with (RFC 8945 §6): the HMAC-SHA
// family. HMAC-MD5 is left out on purpose: RFC 8945 says it MUST NOT be
// used for new keys, and nothing in this network is old enough to need it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace phx::dns::tsig {

enum class Algorithm : std::uint8_t {
    hmac_sha1,
    hmac_sha224,
    hmac_sha256,
    hmac_sha384,
    hmac_sha512
};

// "hmac-sha256" (any case, an optional trailing dot) as in BIND, NSD and Knot.
[[nodiscard]] std::optional<Algorithm> parse_algorithm(std::string_view text);
// From the algorithm name in a TSIG record, lower-case wire form.
[[nodiscard]] std::optional<Algorithm> algorithm_from_wire(std::string_view lower_wire);

[[nodiscard]] std::string_view algorithm_text(Algorithm a);              // "hmac-sha256"
[[nodiscard]] std::span<const std::uint8_t> algorithm_wire(Algorithm a); // canonical wire name
[[nodiscard]] std::size_t mac_size(Algorithm a);                         // full HMAC output, bytes
[[nodiscard]] const char* openssl_digest(Algorithm a);                   // "SHA256"

// For messages: "hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512".
[[nodiscard]] std::string_view algorithm_list();

constexpr std::size_t kMaxMacSize = 64; // SHA-512

} // namespace phx::dns::tsig

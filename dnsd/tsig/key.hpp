// SPDX-License-Identifier: GPL-3.0-or-later
// TSIG keys (RFC 8945): a name, an algorithm and a shared secret. The
// secret is only ever handed to the HMAC; nothing prints it, so it cannot
// reach a log, a --check summary or an error message.
#pragma once

#include "dnsd/tsig/algorithm.hpp"
#include "dnsd/wire/name.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns::tsig {

struct Key {
    wire::Name name; // lower case: key names compare case-insensitively
    Algorithm algorithm = Algorithm::hmac_sha256;
    std::vector<std::uint8_t> secret;

    [[nodiscard]] std::string name_text() const { return name.to_text(); } // "xfr-key."
};

// The keys a server knows, found by name.
class Keyring {
public:
    Keyring() = default;
    explicit Keyring(std::vector<Key> keys) : keys_{std::move(keys)} {}

    // The key with this lower-case wire name, or nullptr.
    [[nodiscard]] const Key* find(std::string_view lower_wire_name) const noexcept;
    [[nodiscard]] const std::vector<Key>& keys() const noexcept { return keys_; }
    [[nodiscard]] bool empty() const noexcept { return keys_.empty(); }

private:
    std::vector<Key> keys_;
};

// RFC 4648 base64 (the form every DNS server writes secrets in), with
// padding; surrounding white space is ignored. nullopt if it is not base64
// or decodes to nothing.
[[nodiscard]] std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text);

// A key name as written in configuration ("xfr-key" or "xfr-key."):
// absolute and lower case; nullopt if it is not a domain name.
[[nodiscard]] std::optional<wire::Name> parse_key_name(std::string_view text);

} // namespace phx::dns::tsig

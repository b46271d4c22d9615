// SPDX-License-Identifier: GPL-3.0-or-later
// The algorithm table: names, wire names, sizes and OpenSSL digest names.
#include "dnsd/tsig/algorithm.hpp"

#include "dnsd/wire/name.hpp"

#include <array>
#include <string>

namespace phx::dns::tsig {
namespace {

struct Entry {
    Algorithm algorithm;
    std::string_view text;
    std::string_view wire; // length-prefixed labels, root included
    std::size_t mac_size;
    const char* digest;
};

using namespace std::string_view_literals;

constexpr std::array kTable{
    Entry{Algorithm::hmac_sha1, "hmac-sha1", "\x09hmac-sha1\x00"sv, 20, "SHA1"},
    Entry{Algorithm::hmac_sha224, "hmac-sha224", "\x0bhmac-sha224\x00"sv, 28, "SHA224"},
    Entry{Algorithm::hmac_sha256, "hmac-sha256", "\x0bhmac-sha256\x00"sv, 32, "SHA256"},
    Entry{Algorithm::hmac_sha384, "hmac-sha384", "\x0bhmac-sha384\x00"sv, 48, "SHA384"},
    Entry{Algorithm::hmac_sha512, "hmac-sha512", "\x0bhmac-sha512\x00"sv, 64, "SHA512"},
};

const Entry& entry(Algorithm a) {
    return kTable[static_cast<std::size_t>(a)];
}

} // namespace

std::optional<Algorithm> parse_algorithm(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    std::string lower{text};
    for (char& c : lower) c = static_cast<char>(wire::lower(static_cast<std::uint8_t>(c)));
    for (const auto& e : kTable)
        if (e.text == lower) return e.algorithm;
    return std::nullopt;
}

std::optional<Algorithm> algorithm_from_wire(std::string_view lower_wire) {
    for (const auto& e : kTable)
        if (e.wire == lower_wire) return e.algorithm;
    return std::nullopt;
}

std::string_view algorithm_text(Algorithm a) {
    return entry(a).text;
}

std::span<const std::uint8_t> algorithm_wire(Algorithm a) {
    return wire::bytes_of(entry(a).wire);
}

std::size_t mac_size(Algorithm a) {
    return entry(a).mac_size;
}

const char* openssl_digest(Algorithm a) {
    return entry(a).digest;
}

std::string_view algorithm_list() {
    return "hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha512";
}

} // namespace phx::dns::tsig

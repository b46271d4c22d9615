// SPDX-License-Identifier: GPL-3.0-or-later
// Bucket keys for response rate limiting (see classify.hpp).
#include "dnsd/rrl/classify.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <array>

namespace phx::dns::rrl {
namespace {

// kind (1) | family (1) | network (16) | name (255) | type (2)
constexpr std::size_t kMaxInput = 1 + 1 + 16 + kMaxNameLength + 2;

// Appends the client's network: the address with its host bits cleared.
std::uint8_t* put_network(std::uint8_t* at, const IpAddress& client, const Prefixes& p) {
    const unsigned prefix =
        std::min(client.family == IpFamily::v4 ? p.v4 : p.v6, client.max_prefix());
    *at++ = client.family == IpFamily::v4 ? 4 : 6;
    for (unsigned i = 0; i < client.size(); ++i) {
        const unsigned bits = prefix > i * 8 ? std::min(8u, prefix - i * 8) : 0u;
        const auto mask = static_cast<std::uint8_t>(0xff00u >> bits);
        *at++ = static_cast<std::uint8_t>(client.bytes[i] & mask);
    }
    return at;
}

// Appends the question's name in lower case and its type; the reply's
// question is one uncompressed name we wrote ourselves, but its length is
// checked all the same.
std::uint8_t* put_question(std::uint8_t* at, std::span<const std::uint8_t> reply) {
    if (reply.size() < kHeaderSize || (reply[4] << 8 | reply[5]) != 1) return at;
    const auto question = reply.subspan(kHeaderSize);
    const std::size_t length = wire::name_length(question);
    if (length == 0 || question.size() < length + 2) return at;
    for (std::size_t i = 0; i < length; ++i) *at++ = wire::lower(question[i]);
    *at++ = question[length];
    *at++ = question[length + 1];
    return at;
}

} // namespace

Kind kind_of(Rcode rcode, std::span<const std::uint8_t> reply) noexcept {
    const bool authoritative = (reply[2] & 0x04) != 0;
    const unsigned answers = static_cast<unsigned>(reply[6] << 8 | reply[7]);
    if (rcode == Rcode::nxdomain) return Kind::nxdomain;
    if (rcode != Rcode::noerror) return Kind::error;
    if (answers > 0) return Kind::answer;
    return authoritative ? Kind::nodata : Kind::referral;
}

std::uint64_t bucket_key(SipHasher& hasher, const IpAddress& client, const Prefixes& prefixes,
                         Rcode rcode, std::span<const std::uint8_t> reply,
                         std::string_view zone_origin) noexcept {
    std::array<std::uint8_t, kMaxInput> input{};
    const Kind kind = reply.size() >= kHeaderSize ? kind_of(rcode, reply) : Kind::error;
    std::uint8_t* at = input.data();
    *at++ = static_cast<std::uint8_t>(kind);
    at = put_network(at, client, prefixes);
    if (kind == Kind::answer || kind == Kind::nodata) {
        at = put_question(at, reply);
    } else if (kind != Kind::error) {
        const auto origin = zone_origin.substr(0, kMaxNameLength);
        at = std::copy(origin.begin(), origin.end(), at);
    }
    const std::uint64_t key =
        hasher.hash64({input.data(), static_cast<std::size_t>(at - input.data())});
    return key == 0 ? 1 : key;
}

} // namespace phx::dns::rrl

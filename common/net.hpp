// SPDX-License-Identifier: GPL-3.0-or-later
// Network value types shared by phx-dnsd and phx-fw: IP addresses, prefixes,
// "address:port" endpoints and port ranges, parsed from human input.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <endian.h>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx {

enum class IpFamily : std::uint8_t { v4, v6 };

// 16 bytes in network order (an address, a set key) compared in the order of
// their bytes, as two 64-bit numbers rather than with a memcmp() call: a
// large policy compares them millions of times, sorting and merging.
[[nodiscard]] inline std::strong_ordering compare_bytes(const std::array<std::uint8_t, 16>& a,
                                                        const std::array<std::uint8_t, 16>& b) {
    const auto word = [](const std::array<std::uint8_t, 16>& bytes, std::size_t at) {
        std::uint64_t w;
        std::memcpy(&w, bytes.data() + at, sizeof w);
        return be64toh(w);
    };
    if (const auto high = word(a, 0) <=> word(b, 0); high != 0) return high;
    return word(a, 8) <=> word(b, 8);
}

// An IPv4 or IPv6 address in network byte order. IPv4 uses bytes[0..3].
struct IpAddress {
    IpFamily family = IpFamily::v4;
    std::array<std::uint8_t, 16> bytes{};

    [[nodiscard]] static std::optional<IpAddress> parse(std::string_view text);
    [[nodiscard]] static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c,
                                      std::uint8_t d);
    [[nodiscard]] std::size_t size() const noexcept { return family == IpFamily::v4 ? 4 : 16; }
    [[nodiscard]] unsigned max_prefix() const noexcept { return family == IpFamily::v4 ? 32 : 128; }
    [[nodiscard]] bool is_loopback() const noexcept;
    [[nodiscard]] bool is_unspecified() const noexcept;
    [[nodiscard]] std::string to_string() const;

    friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
        if (const auto by_family = a.family <=> b.family; by_family != 0) return by_family;
        return compare_bytes(a.bytes, b.bytes);
    }
    friend bool operator==(const IpAddress& a, const IpAddress& b) { return (a <=> b) == 0; }
};

// A network prefix such as 10.0.0.0/24; a bare address is a /32 or /128.
// The address is kept as written (host bits may be set); contains() masks.
struct Cidr {
    IpAddress address;
    unsigned prefix = 0;

    [[nodiscard]] static std::optional<Cidr> parse(std::string_view text);
    [[nodiscard]] static Cidr host(const IpAddress& a) { return {a, a.max_prefix()}; }
    [[nodiscard]] bool contains(const IpAddress& a) const noexcept;
    [[nodiscard]] bool contains(const Cidr& other) const noexcept;
    [[nodiscard]] bool overlaps(const Cidr& other) const noexcept;
    [[nodiscard]] bool is_host() const noexcept { return prefix == address.max_prefix(); }
    [[nodiscard]] bool host_bits_set() const noexcept;
    [[nodiscard]] IpAddress network() const noexcept;   // host bits cleared
    [[nodiscard]] IpAddress broadcast() const noexcept; // host bits set (last address)
    [[nodiscard]] std::string to_string() const;        // "a.b.c.d/n", or the address for a host

    friend auto operator<=>(const Cidr&, const Cidr&) = default;
};

// The prefixes that cover `network` except the `excluded` addresses, fewest
// first-to-last in address order (at most max_prefix per excluded address).
// For "the LAN but not the guests" as something nftables can match.
[[nodiscard]] std::vector<Cidr> subtract(const Cidr& network,
                                         const std::vector<IpAddress>& excluded);

// "127.0.0.1:53" or "[::1]:53".
struct Endpoint {
    IpAddress address;
    std::uint16_t port = 0;

    [[nodiscard]] static std::optional<Endpoint> parse(std::string_view text);
    [[nodiscard]] std::string to_string() const;

    friend auto operator<=>(const Endpoint&, const Endpoint&) = default;
};

// An inclusive port range; a single port has first == last.
struct PortRange {
    std::uint16_t first = 0;
    std::uint16_t last = 0;

    [[nodiscard]] static std::optional<PortRange> parse(std::string_view text); // "80", "8000-8100"
    [[nodiscard]] bool single() const noexcept { return first == last; }
    [[nodiscard]] bool contains(std::uint16_t p) const noexcept { return first <= p && p <= last; }
    [[nodiscard]] std::string to_string() const;

    friend auto operator<=>(const PortRange&, const PortRange&) = default;
};

// Parses a decimal integer filling the whole text, within [0, max].
[[nodiscard]] std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max);

} // namespace phx

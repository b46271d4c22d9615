// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and printing of addresses through inet_pton/inet_ntop, so the
// accepted forms are exactly the ones the C library and the kernel use.
#include "common/net.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <fmt/format.h>
#include <iterator>
#include <span>

namespace phx {

std::optional<std::uint32_t> parse_uint(std::string_view text, std::uint32_t max) {
    std::uint32_t value = 0;
    if (text.empty() || text.size() > 10) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value > max) return std::nullopt;
    return value;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN] = {};
    std::memcpy(buf, text.data(), text.size());
    IpAddress a;
    if (text.find(':') == std::string_view::npos) {
        a.family = IpFamily::v4;
        if (inet_pton(AF_INET, buf, a.bytes.data()) != 1) return std::nullopt;
    } else {
        a.family = IpFamily::v6;
        if (inet_pton(AF_INET6, buf, a.bytes.data()) != 1) return std::nullopt;
    }
    return a;
}

IpAddress IpAddress::v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    IpAddress r;
    r.bytes[0] = a;
    r.bytes[1] = b;
    r.bytes[2] = c;
    r.bytes[3] = d;
    return r;
}

bool IpAddress::is_loopback() const noexcept {
    if (family == IpFamily::v4) return bytes[0] == 127;
    static constexpr std::array<std::uint8_t, 16> kV6Loopback{0, 0, 0, 0, 0, 0, 0, 0,
                                                              0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == kV6Loopback;
}

bool IpAddress::is_unspecified() const noexcept {
    for (std::size_t i = 0; i < size(); ++i)
        if (bytes[i] != 0) return false;
    return true;
}

std::string IpAddress::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    inet_ntop(family == IpFamily::v4 ? AF_INET : AF_INET6, bytes.data(), buf, sizeof buf);
    return buf;
}

namespace {

// The mask byte for byte index i of a prefix of length `prefix`.
std::uint8_t mask_byte(unsigned prefix, std::size_t i) {
    const auto bits_before = static_cast<unsigned>(i * 8);
    if (prefix >= bits_before + 8) return 0xff;
    if (prefix <= bits_before) return 0x00;
    return static_cast<std::uint8_t>(0xff00u >> (prefix - bits_before));
}

} // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
    const auto slash = text.find('/');
    auto address = IpAddress::parse(text.substr(0, slash));
    if (!address) return std::nullopt;
    if (slash == std::string_view::npos) return host(*address);
    auto prefix = parse_uint(text.substr(slash + 1), address->max_prefix());
    if (!prefix) return std::nullopt;
    return Cidr{*address, *prefix};
}

bool Cidr::contains(const IpAddress& a) const noexcept {
    if (a.family != address.family) return false;
    for (std::size_t i = 0; i < address.size(); ++i) {
        const auto m = mask_byte(prefix, i);
        if ((a.bytes[i] & m) != (address.bytes[i] & m)) return false;
    }
    return true;
}

bool Cidr::contains(const Cidr& other) const noexcept {
    return other.address.family == address.family && other.prefix >= prefix &&
           contains(other.address);
}

bool Cidr::overlaps(const Cidr& other) const noexcept {
    return contains(other) || other.contains(*this);
}

bool Cidr::host_bits_set() const noexcept {
    return network() != address;
}

IpAddress Cidr::network() const noexcept {
    IpAddress n = address;
    for (std::size_t i = 0; i < n.size(); ++i) n.bytes[i] &= mask_byte(prefix, i);
    return n;
}

IpAddress Cidr::broadcast() const noexcept {
    IpAddress b = address;
    for (std::size_t i = 0; i < b.size(); ++i)
        b.bytes[i] = static_cast<std::uint8_t>(b.bytes[i] |
                                               static_cast<std::uint8_t>(~mask_byte(prefix, i)));
    return b;
}

namespace {

// Halves of a prefix: the one with the next bit clear, then the one with it set.
std::pair<Cidr, Cidr> halves(const Cidr& c) {
    Cidr low{c.network(), c.prefix + 1};
    Cidr high = low;
    high.address.bytes[c.prefix / 8] |= static_cast<std::uint8_t>(0x80u >> (c.prefix % 8));
    return {low, high};
}

// `inside`: the excluded addresses within c, sorted, so those in c's lower
// half come first. Each prefix looks only at the addresses inside it, not
// at every address: at 2,500 guests that was tens of millions of tests.
void subtract_into(const Cidr& c, std::span<const IpAddress> inside, std::vector<Cidr>& out) {
    if (inside.empty()) {
        out.push_back({c.network(), c.prefix});
        return;
    }
    if (c.is_host()) return;
    const auto [low, high] = halves(c);
    // Not the binding itself: clang before 16 cannot capture one.
    const Cidr& lower = low;
    const auto in_low = std::partition_point(inside.begin(), inside.end(),
                                             [&](const IpAddress& a) { return lower.contains(a); });
    const auto split = static_cast<std::size_t>(in_low - inside.begin());
    subtract_into(low, inside.first(split), out);
    subtract_into(high, inside.subspan(split), out);
}

} // namespace

std::vector<Cidr> subtract(const Cidr& network, const std::vector<IpAddress>& excluded) {
    std::vector<IpAddress> inside;
    std::copy_if(excluded.begin(), excluded.end(), std::back_inserter(inside),
                 [&](const IpAddress& a) { return network.contains(a); });
    std::sort(inside.begin(), inside.end());
    std::vector<Cidr> out;
    subtract_into(network, inside, out);
    return out;
}

std::string Cidr::to_string() const {
    if (is_host()) return address.to_string();
    return fmt::format("{}/{}", address.to_string(), prefix);
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find("]:");
        if (close == std::string_view::npos) return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
        if (host.find(':') == std::string_view::npos) return std::nullopt;
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt; // IPv6 needs brackets
    }
    auto address = IpAddress::parse(host);
    auto number = parse_uint(port, 65535);
    if (!address || !number) return std::nullopt;
    return Endpoint{*address, static_cast<std::uint16_t>(*number)};
}

std::string Endpoint::to_string() const {
    if (address.family == IpFamily::v6) return fmt::format("[{}]:{}", address.to_string(), port);
    return fmt::format("{}:{}", address.to_string(), port);
}

std::optional<PortRange> PortRange::parse(std::string_view text) {
    const auto dash = text.find('-');
    auto first = parse_uint(text.substr(0, dash), 65535);
    if (!first) return std::nullopt;
    auto last = dash == std::string_view::npos ? first : parse_uint(text.substr(dash + 1), 65535);
    if (!last || *last < *first) return std::nullopt;
    return PortRange{static_cast<std::uint16_t>(*first), static_cast<std::uint16_t>(*last)};
}

std::string PortRange::to_string() const {
    if (single()) return fmt::format("{}", first);
    return fmt::format("{}-{}", first, last);
}

} // namespace phx

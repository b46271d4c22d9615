// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the IPv4/IPv6 header and the transport ports; see packet.hpp.
#include "fwcompile/watch/packet.hpp"

#include "fwcompile/watch/byte_cursor.hpp"

#include <algorithm>
#include <netinet/in.h>

namespace phx::fw::watch {
namespace {

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;
// A packet with more extension headers than this is not worth describing.
constexpr int kMaxExtensionHeaders = 8;

IpAddress address(std::span<const std::byte> bytes, IpFamily family) {
    IpAddress a;
    a.family = family;
    std::transform(bytes.begin(), bytes.end(), a.bytes.begin(),
                   [](std::byte b) { return std::to_integer<std::uint8_t>(b); });
    return a;
}

// Where the transport header starts, or nullopt for a malformed header.
std::optional<std::size_t> parse_ipv4(std::span<const std::byte> packet, IpHeaders& out) {
    ByteCursor r{packet};
    const std::size_t header = std::size_t{r.u8() & 0x0fu} * 4;
    r.skip(5); // tos, total length, identification
    const std::uint16_t fragment = r.be16();
    r.skip(1); // ttl
    out.protocol = r.u8();
    r.skip(2); // checksum
    out.source = address(r.bytes(4), IpFamily::v4);
    out.destination = address(r.bytes(4), IpFamily::v4);
    if (!r.ok() || header < kIpv4MinHeader || header > packet.size()) return std::nullopt;
    out.later_fragment = (fragment & kFragmentOffsetMask) != 0;
    return header;
}

bool is_extension_header(std::uint8_t next) {
    return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING || next == IPPROTO_DSTOPTS ||
           next == IPPROTO_FRAGMENT || next == IPPROTO_AH;
}

// Steps over one extension header; its length is counted in 8-byte units
// (AH: 4-byte units, RFC 4302), a fragment header is always 8 bytes.
void skip_extension_header(ByteCursor& r, std::uint8_t& next, IpHeaders& out) {
    const std::uint8_t kind = next;
    next = r.u8();
    const std::size_t units = r.u8();
    if (kind == IPPROTO_FRAGMENT) {
        out.later_fragment = (r.be16() >> 3) != 0;
        r.skip(4);
        return;
    }
    const std::size_t length = kind == IPPROTO_AH ? (units + 2) * 4 : (units + 1) * 8;
    r.skip(length - 2);
}

std::optional<std::size_t> parse_ipv6(std::span<const std::byte> packet, IpHeaders& out) {
    ByteCursor r{packet};
    r.skip(6); // version, traffic class, flow label, payload length
    std::uint8_t next = r.u8();
    r.skip(1); // hop limit
    out.source = address(r.bytes(16), IpFamily::v6);
    out.destination = address(r.bytes(16), IpFamily::v6);
    for (int i = 0; r.ok() && is_extension_header(next) && !out.later_fragment; ++i) {
        if (i == kMaxExtensionHeaders) return std::nullopt;
        skip_extension_header(r, next, out);
    }
    if (!r.ok()) return std::nullopt;
    out.protocol = next;
    return r.position();
}

bool parse_transport(std::span<const std::byte> header, IpHeaders& out) {
    if (out.later_fragment) return true;
    ByteCursor r{header};
    switch (out.protocol) {
    case IPPROTO_TCP:
    case IPPROTO_UDP:
        out.source_port = r.be16();
        out.destination_port = r.be16();
        break;
    case IPPROTO_ICMP:
    case IPPROTO_ICMPV6:
        out.icmp_type = r.u8();
        out.icmp_code = r.u8();
        break;
    default:
        break;
    }
    return r.ok();
}

} // namespace

bool IpHeaders::has_transport() const noexcept {
    if (later_fragment) return false;
    return protocol == IPPROTO_TCP || protocol == IPPROTO_UDP || protocol == IPPROTO_ICMP ||
           protocol == IPPROTO_ICMPV6;
}

std::optional<IpHeaders> parse_ip_packet(std::span<const std::byte> packet) {
    if (packet.empty()) return std::nullopt;
    IpHeaders out;
    const unsigned version = std::to_integer<unsigned>(packet[0]) >> 4;
    std::optional<std::size_t> transport;
    if (version == 4)
        transport = parse_ipv4(packet, out);
    else if (version == 6)
        transport = parse_ipv6(packet, out);
    if (!transport || !parse_transport(packet.subspan(*transport), out)) return std::nullopt;
    return out;
}

} // namespace phx::fw::watch

// SPDX-License-Identifier: GPL-3.0-or-later
// NFLOG packet messages -> DroppedPacket; see nflog.hpp. Every length in a
// message is the sender's claim and is checked against what was received.
#include "fwcompile/watch/nflog.hpp"

#include "fwcompile/watch/byte_cursor.hpp"

#include <algorithm>
#include <cstdint>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>

namespace phx::fw::watch {
namespace {

constexpr std::size_t kNetlinkHeader = 16; // sizeof(nlmsghdr)
constexpr std::size_t kNfgenHeader = 4;    // sizeof(nfgenmsg)
constexpr std::size_t kAttributeHeader = 4;
constexpr std::uint16_t kPacketMessage = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET;

constexpr std::size_t align4(std::size_t n) {
    return (n + 3) & ~std::size_t{3};
}

std::uint32_t be32_of(std::span<const std::byte> value) {
    ByteCursor r{value};
    const std::uint32_t v = r.be32();
    return r.ok() ? v : 0;
}

// The prefix is NUL-terminated in the message; a missing NUL is tolerated.
std::string text_of(std::span<const std::byte> value) {
    std::string out;
    for (const std::byte b : value) {
        if (b == std::byte{0}) break;
        out.push_back(static_cast<char>(std::to_integer<unsigned char>(b)));
    }
    return out;
}

std::optional<Timestamp> timestamp_of(std::span<const std::byte> value) {
    ByteCursor r{value};
    const std::uint64_t seconds = r.be64();
    const std::uint64_t microseconds = r.be64();
    if (!r.ok() || seconds > INT64_MAX || microseconds >= 1'000'000) return std::nullopt;
    return Timestamp{static_cast<std::int64_t>(seconds), static_cast<std::uint32_t>(microseconds)};
}

struct Attributes {
    DroppedPacket out;
    std::span<const std::byte> payload;
    bool has_payload = false;
};

void take_attribute(std::uint16_t type, std::span<const std::byte> value, Attributes& a) {
    switch (type & NLA_TYPE_MASK) {
    case NFULA_PREFIX:
        a.out.prefix = text_of(value);
        break;
    case NFULA_TIMESTAMP:
        a.out.timestamp = timestamp_of(value);
        break;
    case NFULA_IFINDEX_INDEV:
        a.out.in_interface = be32_of(value);
        break;
    case NFULA_IFINDEX_OUTDEV:
        a.out.out_interface = be32_of(value);
        break;
    case NFULA_IFINDEX_PHYSINDEV:
        a.out.in_bridge_port = be32_of(value);
        break;
    case NFULA_IFINDEX_PHYSOUTDEV:
        a.out.out_bridge_port = be32_of(value);
        break;
    case NFULA_PAYLOAD:
        a.payload = value;
        a.has_payload = true;
        break;
    default:
        break;
    }
}

// The attributes after the nfgenmsg header; false when one claims a length
// shorter than its own header or longer than what is left.
bool read_attributes(ByteCursor& r, Attributes& a) {
    while (r.left() > 0) {
        const auto length = r.host<std::uint16_t>();
        const auto type = r.host<std::uint16_t>();
        if (!r.ok() || length < kAttributeHeader) return false;
        const auto value = r.bytes(length - kAttributeHeader);
        if (!r.ok()) return false;
        take_attribute(type, value, a);
        // The last attribute may end without its padding.
        r.skip(std::min(align4(length) - length, r.left()));
    }
    return r.ok();
}

} // namespace

std::optional<DroppedPacket> parse_nflog_message(std::span<const std::byte> message) {
    ByteCursor header{message};
    const auto length = header.host<std::uint32_t>();
    const auto type = header.host<std::uint16_t>();
    if (!header.ok() || type != kPacketMessage || length < kNetlinkHeader + kNfgenHeader ||
        length > message.size())
        return std::nullopt;
    ByteCursor r{message.first(length)};
    r.skip(kNetlinkHeader + 2); // nfgen_family, version
    Attributes a;
    a.out.group = r.be16(); // res_id
    if (!read_attributes(r, a) || !a.has_payload) return std::nullopt;
    auto packet = parse_ip_packet(a.payload);
    if (!packet) return std::nullopt;
    a.out.packet = *packet;
    return std::move(a.out);
}

std::vector<DroppedPacket> parse_nflog_datagram(std::span<const std::byte> datagram) {
    std::vector<DroppedPacket> out;
    std::size_t at = 0;
    while (datagram.size() - at >= kNetlinkHeader) {
        ByteCursor r{datagram.subspan(at)};
        const auto length = r.host<std::uint32_t>();
        if (length < kNetlinkHeader || length > datagram.size() - at) break;
        if (auto packet = parse_nflog_message(datagram.subspan(at, length)))
            out.push_back(std::move(*packet));
        at += std::min(align4(length), datagram.size() - at);
    }
    return out;
}

} // namespace phx::fw::watch

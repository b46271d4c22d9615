// SPDX-License-Identifier: GPL-3.0-or-later
// NFLOG messages built byte by byte, as the kernel sends them, parsed into
// DroppedPacket; cut, empty and lying messages are skipped, never over-read.
#include "fwcompile/watch/byte_cursor.hpp"
#include "fwcompile/watch/nflog.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <doctest/doctest.h>
#include <initializer_list>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <vector>

using namespace phx;
using namespace phx::fw::watch;

namespace {

using Bytes = std::vector<std::byte>;

void put(Bytes& out, std::initializer_list<unsigned> bytes) {
    for (const unsigned b : bytes) out.push_back(static_cast<std::byte>(b));
}
void put_be16(Bytes& out, unsigned v) {
    put(out, {v >> 8 & 0xff, v & 0xff});
}
void put_be32(Bytes& out, std::uint32_t v) {
    put(out, {v >> 24 & 0xff, v >> 16 & 0xff, v >> 8 & 0xff, v & 0xff});
}
void put_be64(Bytes& out, std::uint64_t v) {
    put_be32(out, static_cast<std::uint32_t>(v >> 32));
    put_be32(out, static_cast<std::uint32_t>(v));
}
template <typename T>
void put_host(Bytes& out, T v) { // netlink headers are in host byte order
    std::array<std::byte, sizeof v> bytes;
    std::memcpy(bytes.data(), &v, sizeof v);
    for (const std::byte b : bytes) out.push_back(b);
}

// An NFLOG packet message: nlmsghdr, nfgenmsg, then the attributes.
class Message {
public:
    explicit Message(std::uint16_t group = 100,
                     std::uint16_t type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_PACKET) {
        put_host<std::uint32_t>(bytes_, 0); // the length, filled in by bytes()
        put_host<std::uint16_t>(bytes_, type);
        put_host<std::uint16_t>(bytes_, 0);
        put_host<std::uint32_t>(bytes_, 0);
        put_host<std::uint32_t>(bytes_, 0);
        put(bytes_, {AF_INET, NFNETLINK_V0});
        put_be16(bytes_, group);
    }
    // An attribute with a length that tells the truth unless `claimed` says otherwise.
    Message& attribute(std::uint16_t type, const Bytes& value, int claimed = -1) {
        const auto length = claimed >= 0 ? claimed : static_cast<int>(4 + value.size());
        put_host<std::uint16_t>(bytes_, static_cast<std::uint16_t>(length));
        put_host<std::uint16_t>(bytes_, type);
        bytes_.insert(bytes_.end(), value.begin(), value.end());
        while (bytes_.size() % 4 != 0) bytes_.push_back(std::byte{0});
        return *this;
    }
    Message& prefix(const std::string& text) {
        Bytes value;
        for (const char c : text) value.push_back(static_cast<std::byte>(c));
        value.push_back(std::byte{0});
        return attribute(NFULA_PREFIX, value);
    }
    Message& u32(std::uint16_t type, std::uint32_t v) {
        Bytes value;
        put_be32(value, v);
        return attribute(type, value);
    }
    [[nodiscard]] Bytes bytes() const {
        Bytes out = bytes_;
        const auto length = static_cast<std::uint32_t>(out.size());
        std::memcpy(out.data(), &length, sizeof length);
        return out;
    }

private:
    Bytes bytes_;
};

Bytes ipv4(std::uint8_t protocol, std::initializer_list<unsigned> source,
           std::initializer_list<unsigned> destination, const Bytes& transport,
           std::initializer_list<unsigned> options = {}) {
    Bytes out;
    put(out, {0x40u | static_cast<unsigned>(5 + options.size() / 4), 0});
    put_be16(out, static_cast<unsigned>(20 + options.size() + transport.size()));
    put(out, {0x12, 0x34, 0x40, 0x00, 64, protocol, 0, 0}); // id, DF, ttl, protocol, checksum
    put(out, source);
    put(out, destination);
    put(out, options);
    out.insert(out.end(), transport.begin(), transport.end());
    return out;
}

Bytes ports(unsigned source, unsigned destination, std::size_t header = 20) {
    Bytes out;
    put_be16(out, source);
    put_be16(out, destination);
    out.resize(header, std::byte{0});
    return out;
}

const std::initializer_list<unsigned> kTraefik = {10, 0, 0, 12};
const std::initializer_list<unsigned> kNginx = {10, 0, 0, 153};

Bytes tcp_message(const Bytes& payload) {
    return Message{}
        .prefix("phx-fw drop forward: ")
        .u32(NFULA_IFINDEX_INDEV, 4)
        .attribute(NFULA_PAYLOAD, payload)
        .bytes();
}

// The message in a heap block of exactly its size, so ASan sees any read past it.
std::optional<DroppedPacket> parse_exact(const Bytes& message, std::size_t size) {
    const std::unique_ptr<std::byte[]> copy{new std::byte[size]};
    std::copy_n(message.begin(), size, copy.get());
    return parse_nflog_message({copy.get(), size});
}

} // namespace

TEST_CASE("ByteCursor: a short read fails, returns zero and stays failed") {
    const Bytes bytes{std::byte{0x12}, std::byte{0x34}, std::byte{0x56}};
    ByteCursor r{bytes};
    CHECK(r.be16() == 0x1234);
    CHECK(r.be16() == 0);
    CHECK_FALSE(r.ok());
    CHECK(r.u8() == 0); // even though one byte is left
    CHECK(r.left() == 0);
}

TEST_CASE("nflog: an IPv4 TCP drop gives prefix, interfaces, time, addresses and ports") {
    Bytes timestamp;
    put_be64(timestamp, 1'700'000'000);
    put_be64(timestamp, 250'000);
    const Bytes message =
        Message{}
            .attribute(NFULA_PACKET_HDR,
                       {std::byte{0x08}, std::byte{0}, std::byte{2}, std::byte{0}})
            .prefix("phx-fw drop forward: ")
            .attribute(NFULA_TIMESTAMP, timestamp)
            .u32(NFULA_IFINDEX_INDEV, 4)
            .u32(NFULA_IFINDEX_OUTDEV, 4)
            .u32(NFULA_IFINDEX_PHYSINDEV, 7)
            .u32(NFULA_IFINDEX_PHYSOUTDEV, 6)
            .attribute(NFULA_PAYLOAD, ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(40000, 81)))
            .bytes();
    const auto drop = parse_nflog_message(message);
    REQUIRE(drop);
    CHECK(drop->group == 100);
    CHECK(drop->prefix == "phx-fw drop forward: ");
    REQUIRE(drop->timestamp);
    CHECK(drop->timestamp->seconds == 1'700'000'000);
    CHECK(drop->timestamp->microseconds == 250'000);
    CHECK(drop->in_interface == 4);
    CHECK(drop->out_interface == 4);
    CHECK(drop->in_bridge_port == 7);
    CHECK(drop->out_bridge_port == 6);
    CHECK(drop->packet.source.to_string() == "10.0.0.12");
    CHECK(drop->packet.destination.to_string() == "10.0.0.153");
    CHECK(drop->packet.protocol == IPPROTO_TCP);
    CHECK(drop->packet.source_port == 40000);
    CHECK(drop->packet.destination_port == 81);
    CHECK(drop->packet.has_transport());
}

TEST_CASE("nflog: an IPv4 UDP drop with IP options finds the ports after the options") {
    const Bytes payload = ipv4(IPPROTO_UDP, kNginx, {10, 0, 0, 13}, ports(5353, 53, 8),
                               {0x94, 0x04, 0x00, 0x00}); // router alert
    const auto drop = parse_nflog_message(
        Message{}.prefix("phx-fw drop input: ").attribute(NFULA_PAYLOAD, payload).bytes());
    REQUIRE(drop);
    CHECK_FALSE(drop->timestamp); // none was sent
    CHECK(drop->in_interface == 0);
    CHECK(drop->packet.protocol == IPPROTO_UDP);
    CHECK(drop->packet.source_port == 5353);
    CHECK(drop->packet.destination_port == 53);
}

TEST_CASE("nflog: an IPv6 TCP drop reads past a hop-by-hop extension header") {
    Bytes payload;
    put(payload, {0x60, 0, 0, 0});
    put_be16(payload, 8 + 20);
    put(payload, {IPPROTO_HOPOPTS, 64});
    put(payload, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12});
    put(payload, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x99});
    put(payload, {IPPROTO_TCP, 0, 1, 4, 0, 0, 0, 0}); // next header, length 0 (8 bytes), PadN
    const Bytes tcp = ports(50000, 443);
    payload.insert(payload.end(), tcp.begin(), tcp.end());
    const auto drop = parse_nflog_message(
        Message{}.prefix("phx-fw drop nginx input: ").attribute(NFULA_PAYLOAD, payload).bytes());
    REQUIRE(drop);
    CHECK(drop->packet.source.to_string() == "fd00::12");
    CHECK(drop->packet.destination.to_string() == "fd00::99");
    CHECK(drop->packet.protocol == IPPROTO_TCP);
    CHECK(drop->packet.destination_port == 443);
}

TEST_CASE("nflog: ICMP and ICMPv6 drops give the type and code") {
    const auto v4 = parse_nflog_message(
        tcp_message(ipv4(IPPROTO_ICMP, kTraefik, kNginx,
                         {std::byte{8}, std::byte{0}, std::byte{0xf7}, std::byte{0xff}})));
    REQUIRE(v4);
    CHECK(v4->packet.protocol == IPPROTO_ICMP);
    CHECK(v4->packet.icmp_type == 8);
    CHECK(v4->packet.icmp_code == 0);

    Bytes v6;
    put(v6, {0x60, 0, 0, 0, 0, 8, IPPROTO_ICMPV6, 64});
    for (int i = 0; i < 2; ++i) put(v6, {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    put(v6, {128, 0, 0, 0}); // echo request
    const auto drop = parse_nflog_message(tcp_message(v6));
    REQUIRE(drop);
    CHECK(drop->packet.protocol == IPPROTO_ICMPV6);
    CHECK(drop->packet.icmp_type == 128);
}

TEST_CASE("nflog: a payload cut short in the IP or the transport header is skipped") {
    const Bytes full = ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(40000, 81));
    for (const std::size_t size : {0, 1, 10, 19, 20, 21, 23}) {
        CAPTURE(size);
        CHECK_FALSE(parse_nflog_message(
            tcp_message(Bytes(full.begin(), full.begin() + static_cast<long>(size)))));
    }
    // Only the ports are needed from the transport header.
    CHECK(parse_nflog_message(tcp_message(Bytes(full.begin(), full.begin() + 24))));
    // A header length beyond the captured bytes, or below the minimum.
    Bytes lying = full;
    lying[0] = std::byte{0x4f};
    CHECK_FALSE(parse_nflog_message(tcp_message(Bytes(lying.begin(), lying.begin() + 40))));
    lying[0] = std::byte{0x44};
    CHECK_FALSE(parse_nflog_message(tcp_message(lying)));
}

TEST_CASE("nflog: a message without a payload, or of another type, is skipped") {
    CHECK_FALSE(parse_nflog_message(
        Message{}.prefix("phx-fw drop forward: ").u32(NFULA_IFINDEX_INDEV, 4).bytes()));
    const Bytes payload = ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(1, 2));
    CHECK_FALSE(
        parse_nflog_message(Message{100, NLMSG_DONE}.attribute(NFULA_PAYLOAD, payload).bytes()));
    CHECK_FALSE(parse_nflog_message(Message{100, NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG}
                                        .attribute(NFULA_PAYLOAD, payload)
                                        .bytes()));
    CHECK_FALSE(parse_nflog_message({}));
}

TEST_CASE("nflog: attribute and message lengths that lie are skipped, never over-read") {
    const Bytes payload = ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(40000, 81));
    SUBCASE("an attribute shorter than its own header") {
        CHECK_FALSE(parse_nflog_message(
            Message{}.attribute(NFULA_PREFIX, {}, 2).attribute(NFULA_PAYLOAD, payload).bytes()));
    }
    SUBCASE("an attribute longer than the message") {
        CHECK_FALSE(parse_nflog_message(Message{}.attribute(NFULA_PAYLOAD, payload, 4000).bytes()));
        CHECK_FALSE(
            parse_nflog_message(Message{}.attribute(NFULA_PAYLOAD, payload, 0xffff).bytes()));
    }
    SUBCASE("a message longer than what arrived, or shorter than its headers") {
        Bytes message = tcp_message(payload);
        const auto claimed = static_cast<std::uint32_t>(message.size() + 4);
        std::memcpy(message.data(), &claimed, sizeof claimed);
        CHECK_FALSE(parse_nflog_message(message));
        const std::uint32_t tiny = 8;
        std::memcpy(message.data(), &tiny, sizeof tiny);
        CHECK_FALSE(parse_nflog_message(message));
    }
    SUBCASE("a 2-byte interface index and a short timestamp are ignored, the rest is read") {
        const auto drop =
            parse_nflog_message(Message{}
                                    .attribute(NFULA_IFINDEX_INDEV, {std::byte{0}, std::byte{4}})
                                    .attribute(NFULA_TIMESTAMP, Bytes(8))
                                    .attribute(NFULA_PAYLOAD, payload)
                                    .bytes());
        REQUIRE(drop);
        CHECK(drop->in_interface == 0);
        CHECK_FALSE(drop->timestamp);
    }
}

TEST_CASE("nflog: every cut and every corrupted byte of a message is parsed or skipped safely") {
    const Bytes message =
        Message{}
            .prefix("phx-fw drop forward: ")
            .u32(NFULA_IFINDEX_INDEV, 4)
            .attribute(NFULA_PAYLOAD, ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(40000, 81)))
            .bytes();
    for (std::size_t size = 0; size < message.size(); ++size) {
        CAPTURE(size);
        CHECK_FALSE(parse_exact(message, size)); // the header's length says more arrived
    }
    for (std::size_t at = 0; at < message.size(); ++at)
        for (const unsigned value : {0x00u, 0x01u, 0x7fu, 0x80u, 0xffu}) {
            Bytes corrupt = message;
            corrupt[at] = static_cast<std::byte>(value);
            (void)parse_exact(corrupt, corrupt.size()); // ASan and UBSan watch
        }
}

TEST_CASE("nflog: a datagram of several messages yields each packet until a bad length") {
    const Bytes one = tcp_message(ipv4(IPPROTO_TCP, kTraefik, kNginx, ports(40000, 81)));
    const Bytes two = tcp_message(ipv4(IPPROTO_UDP, kNginx, kTraefik, ports(40001, 53, 8)));
    Bytes done;
    put_host<std::uint32_t>(done, 16);
    put_host<std::uint16_t>(done, NLMSG_DONE);
    put_host<std::uint16_t>(done, 0);
    put_host<std::uint64_t>(done, 0);
    Bytes datagram = one;
    datagram.insert(datagram.end(), done.begin(), done.end());
    datagram.insert(datagram.end(), two.begin(), two.end());
    const auto drops = parse_nflog_datagram(datagram);
    REQUIRE(drops.size() == 2);
    CHECK(drops[0].packet.destination_port == 81);
    CHECK(drops[1].packet.protocol == IPPROTO_UDP);

    Bytes broken = datagram;
    const std::uint32_t huge = 0xfffffff0;
    std::memcpy(broken.data() + one.size(), &huge, sizeof huge); // the NLMSG_DONE now lies
    CHECK(parse_nflog_datagram(broken).size() == 1);
    CHECK(parse_nflog_datagram(Bytes(datagram.begin(), datagram.begin() + 15)).empty());
}

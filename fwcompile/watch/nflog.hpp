// SPDX-License-Identifier: GPL-3.0-or-later
// The packets phx-fw's chains log when they drop (nfnetlink_log, one NFLOG
// group): subscribing to the group, and turning the kernel's messages into
// DroppedPacket. The parsing is apart from the socket, so tests feed it bytes.
#pragma once

#include "fwcompile/netlink/handles.hpp"
#include "fwcompile/watch/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phx::fw::watch {

// When the kernel stamped the packet (NFULA_TIMESTAMP), in UTC.
struct Timestamp {
    std::int64_t seconds = 0;
    std::uint32_t microseconds = 0;
};

struct DroppedPacket {
    std::uint16_t group = 0;            // the NFLOG group it was logged to
    std::string prefix;                 // the log rule's prefix ("phx-fw drop forward: ")
    std::optional<Timestamp> timestamp; // absent when the packet had none
    std::uint32_t in_interface = 0;     // ifindex; 0 when the packet had none
    std::uint32_t out_interface = 0;
    std::uint32_t in_bridge_port = 0; // a bridged packet's physical ports (br_netfilter)
    std::uint32_t out_bridge_port = 0;
    IpHeaders packet;
};

// One netlink message (header included). nullopt for anything that is not
// an NFLOG packet message with a readable IP packet: another message type,
// no NFULA_PAYLOAD, attribute lengths that do not add up, a cut-off header.
[[nodiscard]] std::optional<DroppedPacket> parse_nflog_message(std::span<const std::byte> message);

// Every NFLOG packet message of one received datagram (the kernel may batch
// several). Reading stops at the first message whose length is impossible.
[[nodiscard]] std::vector<DroppedPacket> parse_nflog_datagram(std::span<const std::byte> datagram);

// How much of each packet the kernel copies: the IP header with options or
// IPv6 extension headers, and the transport ports, with room to spare.
inline constexpr std::uint32_t kCopyRange = 128;

// A NETLINK_NETFILTER socket bound to one NFLOG group, copying kCopyRange
// bytes of each packet and passing each one on at once (queue threshold 1).
// Closing it unbinds the group. The constructor throws std::system_error
// when the kernel refuses (EPERM without CAP_NET_ADMIN), and
// std::runtime_error when another socket has the group.
class NflogSubscription {
public:
    explicit NflogSubscription(std::uint16_t group);

    [[nodiscard]] int fd() const;
    // Reads one datagram without blocking; empty when nothing is queued. A
    // full socket buffer (ENOBUFS: the kernel dropped log messages) counts in
    // overruns() and is not an error.
    [[nodiscard]] std::vector<DroppedPacket> receive();
    [[nodiscard]] std::uint64_t overruns() const noexcept { return overruns_; }

private:
    // One NFULNL_MSG_CONFIG attribute for the group; 0 or the kernel's errno.
    int configure(std::uint16_t group, const void* attribute, std::size_t size, std::uint16_t type);

    netlink::MnlSocketPtr socket_;
    std::uint32_t seq_ = 1;
    std::uint64_t overruns_ = 0;
    std::vector<std::byte> buffer_;
};

} // namespace phx::fw::watch

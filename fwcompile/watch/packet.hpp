// SPDX-License-Identifier: GPL-3.0-or-later
// The IP header and the start of the transport header of a logged packet:
// addresses, protocol, TCP/UDP ports, ICMP type. The bytes are untrusted and
// usually cut short (the log copies only the first bytes of a packet).
#pragma once

#include "common/net.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace phx::fw::watch {

struct IpHeaders {
    IpAddress source;
    IpAddress destination;
    std::uint8_t protocol = 0; // IPPROTO_*; for IPv6 after the extension headers
    // A fragment after the first carries no transport header: no ports, no
    // ICMP type. (Conntrack reassembles before the filter hooks, so phx-fw's
    // chains rarely see one.)
    bool later_fragment = false;
    std::uint16_t source_port = 0;      // tcp and udp
    std::uint16_t destination_port = 0; // tcp and udp
    std::uint8_t icmp_type = 0;         // icmp and icmpv6
    std::uint8_t icmp_code = 0;

    // Ports or an ICMP type were read (tcp, udp, icmp, icmpv6; not a later fragment).
    [[nodiscard]] bool has_transport() const noexcept;
};

// An IPv4 or IPv6 packet from its first byte. nullopt when the IP header is
// malformed or cut short, or a tcp, udp, icmp or icmpv6 header is cut short
// before its ports or type; never reads past `packet`.
[[nodiscard]] std::optional<IpHeaders> parse_ip_packet(std::span<const std::byte> packet);

} // namespace phx::fw::watch

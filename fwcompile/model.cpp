// SPDX-License-Identifier: GPL-3.0-or-later
// Look-ups in the inventory and names of the rule vocabulary.
#include "fwcompile/model.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <netinet/in.h>

namespace phx::fw {

std::string_view to_string(Direction d) {
    return d == Direction::in ? "in" : "out";
}

std::string_view to_string(Action a) {
    switch (a) {
    case Action::accept:
        return "accept";
    case Action::drop:
        return "drop";
    case Action::reject:
        return "reject";
    }
    return "drop";
}

std::string_view to_string(Protocol p) {
    switch (p) {
    case Protocol::any:
        return "any";
    case Protocol::tcp:
        return "tcp";
    case Protocol::udp:
        return "udp";
    case Protocol::icmp:
        return "icmp";
    case Protocol::icmpv6:
        return "icmpv6";
    }
    return "any";
}

std::uint8_t ip_protocol_number(Protocol p) {
    switch (p) {
    case Protocol::any:
        return 0;
    case Protocol::tcp:
        return IPPROTO_TCP;
    case Protocol::udp:
        return IPPROTO_UDP;
    case Protocol::icmp:
        return IPPROTO_ICMP;
    case Protocol::icmpv6:
        return IPPROTO_ICMPV6;
    }
    return 0;
}

std::string row_source(const Row& row) {
    const SourcePos line{row.at.file, row.at.line, 0};
    if (row.origin == RowOrigin::rule) return line.to_string();
    if (row.at.line == 0) return "[management] defaults";
    return line.to_string() + " [management]";
}

std::optional<IpFamily> Flow::family() const {
    if (!source.any()) return source.items.front().cidr.address.family;
    if (!destination.any()) return destination.items.front().cidr.address.family;
    return std::nullopt;
}

} // namespace phx::fw

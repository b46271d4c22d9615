// SPDX-License-Identifier: GPL-3.0-or-later
// The report on one dropped packet and its text; see describe.hpp. The
// nearest rows are found in nearest.cpp, the suggested row in suggestion.cpp.
#include "fwcompile/watch/describe.hpp"

#include <chrono>
#include <ctime>
#include <fmt/format.h>
#include <netinet/in.h>

namespace phx::fw::watch {
namespace {

constexpr std::string_view kPrefixStart = "phx-fw drop ";
constexpr std::string_view kPrefixEnd = ": ";

// "10.0.0.12 (traefik)", or the bare address of a host the inventory lacks.
std::string endpoint_text(const Inventory& inventory, const IpAddress& address) {
    if (const auto h = inventory.find_by_address(address))
        return fmt::format("{} ({})", address.to_string(), inventory.hosts[*h].name);
    return address.to_string();
}

std::string service_text(const IpHeaders& h) {
    if (h.later_fragment)
        return fmt::format("protocol {} (a later fragment, no ports)", h.protocol);
    switch (h.protocol) {
    case IPPROTO_TCP:
        return fmt::format("tcp/{}", h.destination_port);
    case IPPROTO_UDP:
        return fmt::format("udp/{}", h.destination_port);
    case IPPROTO_ICMP:
        return fmt::format("icmp type {} code {}", h.icmp_type, h.icmp_code);
    case IPPROTO_ICMPV6:
        return fmt::format("icmpv6 type {} code {}", h.icmp_type, h.icmp_code);
    default:
        return fmt::format("protocol {}", h.protocol);
    }
}

std::string file_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "rules.toml:30", "rules.toml:40 [management]", "[management] defaults".
std::string row_place(const Row& row) {
    const std::string line = fmt::format("{}:{}", file_name(row.at.file.str()), row.at.line);
    if (row.origin == RowOrigin::rule) return line;
    return row.at.line == 0 ? "[management] defaults" : line + " [management]";
}

std::string nearest_text(const std::vector<NearRow>& nearest) {
    if (nearest.empty()) return "no row comes near it";
    std::string out = "near:";
    for (const auto& near : nearest)
        out += fmt::format("{} {} \"{}\" ({})", &near == nearest.data() ? "" : ";",
                           row_place(*near.row), near.row->comment, near.why);
    return out;
}

} // namespace

std::optional<std::string> enforcement_point(std::string_view prefix) {
    if (!prefix.starts_with(kPrefixStart) || !prefix.ends_with(kPrefixEnd)) return std::nullopt;
    prefix.remove_prefix(kPrefixStart.size());
    prefix.remove_suffix(kPrefixEnd.size());
    if (prefix.empty()) return std::nullopt;
    return std::string{prefix};
}

std::optional<Packet> connection_of(const IpHeaders& headers) {
    if (!headers.has_transport()) return std::nullopt;
    Packet p{headers.source, headers.destination, Protocol::tcp, headers.destination_port};
    switch (headers.protocol) {
    case IPPROTO_UDP:
        p.protocol = Protocol::udp;
        break;
    case IPPROTO_ICMP:
        p.protocol = Protocol::icmp;
        break;
    case IPPROTO_ICMPV6:
        p.protocol = Protocol::icmpv6;
        break;
    default:
        break;
    }
    if (p.protocol == Protocol::icmp || p.protocol == Protocol::icmpv6) p.port = 0;
    return p;
}

std::optional<DropReport> describe(const RuleSet& rules, const DroppedPacket& drop) {
    auto point = enforcement_point(drop.prefix);
    if (!point) return std::nullopt;
    const IpHeaders& h = drop.packet;
    DropReport report;
    report.point = std::move(*point);
    report.flow = fmt::format("{} -> {} {}", endpoint_text(rules.inventory, h.source),
                              endpoint_text(rules.inventory, h.destination), service_text(h));
    report.connection = connection_of(h);
    if (!report.connection) {
        report.no_suggestion =
            "a row names tcp, udp, icmp or icmpv6 (with ports for tcp and udp), or any protocol";
        return report;
    }
    report.nearest = nearest_rows(rules, *report.connection);
    report.suggestion = suggest_rule(rules, *report.connection);
    return report;
}

std::string format_report(const RuleSet& rules, const DropReport& report,
                          std::string_view local_time) {
    std::string out = fmt::format("{} {}: dropped {}; {}\n", local_time, report.point, report.flow,
                                  nearest_text(report.nearest));
    if (report.suggestion.empty())
        return out + fmt::format("# no [[rule]] can name it alone: {}\n\n", report.no_suggestion);
    return out + fmt::format("# to allow it, append to {}:\n{}\n", file_name(rules.file),
                             report.suggestion);
}

std::string local_time_text(const std::optional<Timestamp>& timestamp) {
    std::time_t seconds = 0;
    std::uint32_t milliseconds = 0;
    if (timestamp) {
        seconds = static_cast<std::time_t>(timestamp->seconds);
        milliseconds = timestamp->microseconds / 1000;
    } else {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
        seconds = static_cast<std::time_t>(ms / 1000);
        milliseconds = static_cast<std::uint32_t>(ms % 1000);
    }
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return fmt::format("{}.{:03}", std::string_view{text, n}, milliseconds);
}

} // namespace phx::fw::watch

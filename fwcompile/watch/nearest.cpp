// SPDX-License-Identifier: GPL-3.0-or-later
// The rows nearest to admitting a dropped connection; see describe.hpp.
// A row is compared by its effective flow (its scope applied), as the
// chains match it.
#include "fwcompile/watch/describe.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <tuple>

namespace phx::fw::watch {
namespace {

// How near a row is; lower is nearer.
enum class Nearness : int {
    matches,          // it matches the packet: the live table predates the file
    same_hosts,       // between the same two hosts, another service
    reversed_hosts,   // between the same two hosts, the other way round
    same_destination, // the same destination and service, another source
    same_source,      // the same source and service, another destination
};

// Long lists ([management]'s sources are many prefixes) are cut short.
constexpr std::size_t kListedAddresses = 3;

std::string list_text(const AddressList& list) {
    if (list.any()) return "any";
    std::string out;
    for (std::size_t i = 0; i < list.items.size() && i < kListedAddresses; ++i) {
        if (i > 0) out += ", ";
        out += list.items[i].text;
    }
    if (list.items.size() > kListedAddresses)
        out += fmt::format(", ... ({} entries)", list.items.size());
    return out;
}

std::string service_text(const Flow& flow) {
    if (flow.protocol == Protocol::any) return "any protocol";
    std::string out{to_string(flow.protocol)};
    if (flow.protocol != Protocol::tcp && flow.protocol != Protocol::udp) return out;
    if (flow.ports.any()) return out + ", any port";
    for (std::size_t i = 0; i < flow.ports.ranges.size(); ++i) {
        out += i > 0 ? ',' : '/';
        out += flow.ports.ranges[i].to_string();
    }
    return out;
}

std::string flow_text(const Flow& flow) {
    return fmt::format("{} -> {} {}", list_text(flow.source), list_text(flow.destination),
                       service_text(flow));
}

// The side is written (not "any") and holds the address.
bool names(const AddressList& list, const IpAddress& address) {
    return !list.any() && contains(list, address);
}

bool same_service(const Flow& flow, const Packet& packet) {
    if (flow.protocol != Protocol::any && flow.protocol != packet.protocol) return false;
    return packet.protocol != Protocol::tcp && packet.protocol != Protocol::udp
               ? true
               : contains(flow.ports, packet.port);
}

std::optional<Nearness> nearness(const Flow& flow, const Packet& p) {
    if (matches(flow, p)) return Nearness::matches;
    if (names(flow.source, p.source) && names(flow.destination, p.destination))
        return Nearness::same_hosts;
    if (names(flow.source, p.destination) && names(flow.destination, p.source))
        return Nearness::reversed_hosts;
    if (!same_service(flow, p)) return std::nullopt;
    if (names(flow.destination, p.destination)) return Nearness::same_destination;
    if (names(flow.source, p.source)) return Nearness::same_source;
    return std::nullopt;
}

std::string why(Nearness n, const Row& row, const Flow& flow) {
    switch (n) {
    case Nearness::matches:
        return fmt::format("this {} row matches it: are the live tables older than the rules "
                           "file? see phx-fw diff",
                           to_string(row.action));
    case Nearness::same_hosts:
        return fmt::format("between the same two hosts, for {}", service_text(flow));
    case Nearness::reversed_hosts:
        return fmt::format("the same two hosts the other way round: {}", flow_text(flow));
    case Nearness::same_destination:
        return fmt::format("the same destination and service, from {}", list_text(flow.source));
    case Nearness::same_source:
        return fmt::format("the same source and service, to {}", list_text(flow.destination));
    }
    return {};
}

struct Candidate {
    Nearness nearness;
    bool management;
    std::size_t index;
};

} // namespace

std::vector<NearRow> nearest_rows(const RuleSet& rules, const Packet& packet, std::size_t limit) {
    std::vector<Candidate> found;
    for (std::size_t i = 0; i < rules.rows.size(); ++i) {
        const Row& row = rules.rows[i];
        if (!row.effective()) continue;
        if (const auto n = nearness(*row.effective(), packet))
            found.push_back({*n, row.origin == RowOrigin::management, i});
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.nearness, a.management, a.index) <
               std::tie(b.nearness, b.management, b.index);
    });
    std::vector<NearRow> out;
    for (std::size_t i = 0; i < found.size() && i < limit; ++i) {
        const Row& row = rules.rows[found[i].index];
        out.push_back({&row, why(found[i].nearness, row, *row.effective())});
    }
    return out;
}

} // namespace phx::fw::watch

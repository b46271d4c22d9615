// SPDX-License-Identifier: GPL-3.0-or-later
// A dropped packet in the rules file's terms, for `phx-fw watch`: where it
// was dropped, between which hosts, the rows nearest to admitting it, and a
// [[rule]] that would. Pure functions of the RuleSet and the packet.
#pragma once

#include "fwcompile/flow.hpp"
#include "fwcompile/model.hpp"
#include "fwcompile/watch/nflog.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw::watch {

// The enforcement point a drop log prefix names: "forward" for "phx-fw drop
// forward: ", "nginx input" for a host target's chain (lower/lower.cpp
// writes them). nullopt for a prefix phx-fw does not write.
[[nodiscard]] std::optional<std::string> enforcement_point(std::string_view prefix);

// The connection as explain asks about it: tcp and udp with the destination
// port, icmp and icmpv6. nullopt when no row can name it (another protocol,
// a later fragment without ports).
[[nodiscard]] std::optional<Packet> connection_of(const IpHeaders& headers);

struct NearRow {
    const Row* row = nullptr;
    std::string why; // "the same two hosts the other way round: nginx -> traefik tcp/80"
};

// Rows that come close to admitting `packet`, the nearest first, at most
// `limit`: a row that matches it (the live table is then older than the
// file), rows between the same two hosts for another service, the other way
// round, to the same destination and service from another source, from the
// same source to the same service elsewhere. Ties go to the file's [[rule]]s
// before [management]'s, then to the earlier row.
[[nodiscard]] std::vector<NearRow> nearest_rows(const RuleSet& rules, const Packet& packet,
                                                std::size_t limit = 2);

// A [[rule]] block (ending in a newline) that admits `packet` at every point
// it crosses when appended to the rules file: scoped to the source guest
// with direction "out" when the source is a guest, else global "in".
[[nodiscard]] std::string suggest_rule(const RuleSet& rules, const Packet& packet);

struct DropReport {
    std::string point; // "forward", "nginx input"
    std::string flow;  // "10.0.0.12 (traefik) -> 10.0.0.153 (nginx) tcp/81"
    std::optional<Packet> connection;
    std::vector<NearRow> nearest;
    std::string suggestion;    // a [[rule]] block; empty when none can be written
    std::string no_suggestion; // why there is none
};

// nullopt when the packet was not logged by one of phx-fw's drop rules.
[[nodiscard]] std::optional<DropReport> describe(const RuleSet& rules, const DroppedPacket& drop);

// The report as watch prints it: one line (time, point, flow, nearest rows),
// then the [[rule]] block to paste, then an empty line.
[[nodiscard]] std::string format_report(const RuleSet& rules, const DropReport& report,
                                        std::string_view local_time);

// "2025-06-01 14:03:07.250" in the local time zone; the time now when the
// packet had no timestamp.
[[nodiscard]] std::string local_time_text(const std::optional<Timestamp>& timestamp);

} // namespace phx::fw::watch

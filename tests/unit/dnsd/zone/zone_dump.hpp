// SPDX-License-Identifier: GPL-3.0-or-later
// A zone as text that two zones answering alike share, for tests and the
// fuzz target comparing an updated zone with a whole build.
#pragma once

#include "dnsd/wire/name.hpp"
#include "dnsd/zone/zone.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <string>
#include <string_view>
#include <vector>

namespace phx::test {

inline std::string text_of(std::string_view wire_name) {
    return dns::wire::name_to_text(dns::wire::bytes_of(wire_name));
}

// Every name, its owner as written, its RRsets with TTLs and rdata (sorted:
// an RRset is a set), in name order. Equal dumps answer alike.
inline std::string dump(const dns::Zone& zone) {
    std::vector<std::string> lines;
    zone.for_each_node([&](std::string_view name, const dns::Node& node) {
        std::string line = fmt::format("{} ({})", text_of(name), text_of(node.owner));
        for (const auto& set : node.rrsets) {
            std::vector<std::string> rdata;
            for (const auto& r : set.rdata) {
                std::string hex;
                for (const char c : r) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
                rdata.push_back(std::move(hex));
            }
            std::sort(rdata.begin(), rdata.end());
            line += fmt::format(" {}/{}:{}", dns::to_u16(set.type), set.ttl, fmt::join(rdata, ","));
        }
        lines.push_back(std::move(line));
    });
    std::sort(lines.begin(), lines.end());
    return fmt::format("serial {} nodes {} records {}\n{}", zone.serial(), zone.node_count(),
                       zone.record_count(), fmt::join(lines, "\n"));
}

} // namespace phx::test

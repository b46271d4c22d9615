// SPDX-License-Identifier: GPL-3.0-or-later
// "Why is this flow dropped?": the verdict for one new connection at every
// enforcement point it crosses, for both targets, and the row (or the
// policy) that decides each. It evaluates the same placement the compiler
// lowers, so the answer is what the installed rules do.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/analyse/place.hpp"
#include "fwcompile/flow.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw {

struct Decision {
    std::string point;        // "forward", "nginx output"
    const Row* row = nullptr; // the deciding row; nullptr: the chain's drop policy
    bool accepted = false;
};

struct Explanation {
    Packet packet;
    std::vector<Decision> hypervisor; // target: phx-fw apply
    std::vector<Decision> hosts;      // target: phx-fw apply --host on each host
    std::string hypervisor_note;      // why no point is crossed, if none is
    std::string hosts_note;
};

[[nodiscard]] Explanation explain(const RuleSet& rules, const Packet& packet);

// The decision of one chain of `target` for `packet`, as the installed
// chain takes it: a side the row's scope pins to the chain's own host (an
// "in" row's "any" destination) holds every address of that host.
[[nodiscard]] Decision decide_at(const RuleSet& rules, const Target& target, ir::Hook hook,
                                 const Packet& packet);
// The row of a placed chain (of host `self`'s target) that decides
// `packet`, the first that matches in written order; nullptr for none. What
// decide_at() does once the rows are placed, for callers that ask about many
// packets (the lowering's tests).
[[nodiscard]] const Row* first_match(const ChainPlan& plan, HostIndex self, const Packet& packet);
[[nodiscard]] std::string format_explanation(const RuleSet& rules, const Explanation& e);

// Command-line arguments: a host's name, id or address, or any other address;
// a protocol; a port. Problems go to `diag` under the argument's name.
[[nodiscard]] std::optional<IpAddress> parse_endpoint(std::string_view text,
                                                      const Inventory& inventory,
                                                      std::string_view what, Diagnostics& diag);
[[nodiscard]] std::optional<Packet> parse_packet(std::string_view source,
                                                 std::string_view destination,
                                                 std::string_view protocol, std::string_view port,
                                                 const Inventory& inventory, Diagnostics& diag);

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// Reading phx-fw's live tables (inet phx, bridge phx) over netlink into the
// IR, for `list`, `diff` and the snapshot `apply --confirm` restores. Several dumps make one
// picture only if the ruleset did not change in between, so the generation
// is compared before and after.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/socket.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phx::fw::netlink {

// Whether table <family> phx exists.
[[nodiscard]] bool live_table_exists(Socket& socket, ir::Family family = ir::Family::inet);

// nullopt when there is no such table. Objects inside it that phx-fw
// cannot decode are kept as text (Table::undecoded, Rule::undecoded).
[[nodiscard]] std::optional<ir::Table> read_live_table(Socket& socket,
                                                       ir::Family family = ir::Family::inet);

// phx-fw's tables of every family that has one, inet first.
[[nodiscard]] ir::Ruleset read_live_ruleset(Socket& socket);

// What `apply --confirm` saves before it applies: the tables (none when
// there are none), the generation they were read at, and everything in them
// that re-creating them from the IR would not restore exactly
// (netlink/fidelity.hpp).
struct LiveState {
    std::uint32_t generation = 0;
    ir::Ruleset ruleset;
    std::vector<std::string> unrepresentable; // empty: a restore is exact
};
[[nodiscard]] LiveState read_live_state(Socket& socket);

} // namespace phx::fw::netlink

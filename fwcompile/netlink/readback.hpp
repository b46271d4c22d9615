// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the live table inet phx over netlink into the IR, for `list`,
// `diff` and the snapshot `apply --confirm` restores. Several dumps make one
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

// Whether table inet phx exists.
[[nodiscard]] bool live_table_exists(Socket& socket);

// nullopt when there is no table inet phx. Objects inside it that phx-fw
// cannot decode are kept as text (Table::undecoded, Rule::undecoded).
[[nodiscard]] std::optional<ir::Table> read_live_table(Socket& socket);

// What `apply --confirm` saves before it applies: the table (nullopt when
// there is none), the generation it was read at, and everything in it that
// re-creating it from the IR would not restore exactly (netlink/fidelity.hpp).
struct LiveState {
    std::uint32_t generation = 0;
    std::optional<ir::Table> table;
    std::vector<std::string> unrepresentable; // empty: a restore is exact
};
[[nodiscard]] LiveState read_live_state(Socket& socket);

} // namespace phx::fw::netlink

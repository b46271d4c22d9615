// SPDX-License-Identifier: GPL-3.0-or-later
// Reading the live table inet phx over netlink into the IR, for `list` and
// `diff`. Several dumps make one picture only if the ruleset did not change
// in between, so the generation is compared before and after.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/socket.hpp"

#include <optional>

namespace phx::fw::netlink {

// Whether table inet phx exists.
[[nodiscard]] bool live_table_exists(Socket& socket);

// nullopt when there is no table inet phx. Objects inside it that phx-fw
// cannot decode are kept as text (Table::undecoded, Rule::undecoded).
[[nodiscard]] std::optional<ir::Table> read_live_table(Socket& socket);

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// IR -> nft syntax, written the way `nft list table inet phx` prints it, so
// `phx-fw show` can be compared with what the kernel holds and `nft -f`
// accepts it.
#pragma once

#include "fwcompile/ir.hpp"

#include <string>

namespace phx::fw {

struct TextStyle {
    // "counter packets N bytes M" as nft lists it; false: a bare "counter",
    // which is what `diff` compares.
    bool counter_values = true;
    // Elements sorted, so two tables that hold the same elements in another
    // order print the same (the kernel's hash sets have no order).
    bool sorted_elements = false;
};

[[nodiscard]] std::string to_nft_text(const ir::Table& table, const TextStyle& style = {});
// Every table, in order, as `nft list ruleset` prints them.
[[nodiscard]] std::string to_nft_text(const ir::Ruleset& ruleset, const TextStyle& style = {});

// One rule on one line, without indentation.
[[nodiscard]] std::string rule_text(const ir::Rule& rule, const ir::Table& table,
                                    const TextStyle& style = {});

// A value of `type` as nft prints it: 10.0.0.0/24, 10.0.0.1-10.0.0.5, tcp, 80-90.
[[nodiscard]] std::string value_text(ir::Type type, const ir::Interval& value);

} // namespace phx::fw

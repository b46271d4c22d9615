// SPDX-License-Identifier: GPL-3.0-or-later
// Pieces shared by the two halves of the loader (inventory and rows); not
// part of the compiler's interface.
#pragma once

#include "common/toml_util.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace phx::fw::detail {

// A key whose value may be a string, an integer, or an array of those; each
// item comes back as text with its own position. Reports wrong types.
[[nodiscard]] std::optional<std::vector<Located>>
scalar_list(const toml::table& table, std::string_view key, const TomlSection& section);

// The same for a key that takes exactly one string or integer.
[[nodiscard]] std::optional<Located> scalar(const toml::table& table, std::string_view key,
                                            const TomlSection& section, bool required);

// Lower-case copy, for keywords written in any case ("IN", "Accept").
[[nodiscard]] std::string lower(std::string_view text);

// Reads [hypervisor] and [[guest]]; false when anything was wrong.
bool load_inventory(const toml::table& root, const std::string& file, Inventory& inventory,
                    Diagnostics& diag);

// Reads every [[rule]]; rows with errors are reported and left out.
void load_rows(const toml::table& root, const std::string& file, const Inventory& inventory,
               std::vector<Row>& rows, Diagnostics& diag);

// " (did you mean 'nginx'?)" among the hosts' names and ids, or "".
[[nodiscard]] std::string host_suggestion(std::string_view text, const Inventory& inventory);

} // namespace phx::fw::detail

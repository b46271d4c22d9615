// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 1, load: a rules file (TOML) -> RuleSet. Every problem is reported
// with file:line:col; a file with any error yields no RuleSet at all.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/model.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace phx::fw {

// Reads the inventory ([hypervisor], [[node]], [[guest]]) and the rows
// ([[rule]]), resolves host references and applies each row's scope
// (Row::effective). `node` says which node of a cluster the hypervisor is
// (inventory::NodeChoice); by default, [hypervisor] as written.
[[nodiscard]] std::optional<RuleSet> load_rules(const std::string& path, Diagnostics& diag,
                                                const inventory::NodeChoice& node = {});

// How much heap to reserve (common/huge_pages.hpp, reserve_heap) before
// loading, compiling and encoding a rules file of `file_bytes`, for a
// command that exits when done; 0 for a file small enough that malloc's own
// growth costs less than reserving. What the work takes from the heap: 3.8
// and 5.4 times the file's size for the two 50,000-row benchmark policies,
// but more than 5 times below some 20,000 rows (a row's tree is large for
// its text, and the fixed part weighs more), where a floor of 16 MiB covers
// it: the 10,000-row policies took up to 750 page faults with 5 times
// alone, 325 (the program's own start) with the floor. Never more than
// 512 MiB (a 100 MB file: half a million rows), so a file far larger than
// anyone writes does not claim gigabytes before it is even read.
[[nodiscard]] std::size_t load_heap_bytes(std::uintmax_t file_bytes);

} // namespace phx::fw

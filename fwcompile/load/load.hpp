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
// growth costs less than reserving. The rows are not in it (a mapping of
// their own, PlaceVector). What the rest takes from the program's heap, at
// most (malloc's statistics at the end of apply, nothing reserved, the
// benchmark policies of 1,000 to 100,000 rows): 4.3 times the file with one
// loader thread (mixed 10k: 7.2 MB), 2.65 with two (which take some from
// the second thread's heap), plus ~1 MB whatever the size. Past what is
// reserved the heap grows 4 KiB page by page, a fault each (10-20 us here),
// so 2.75 times the file and 4 MiB: what 5 times gave (rows included) fell
// short from 20,000 rows to 44,000 (mixed 44k: 2,800 faults, compiled in
// 50 ms against 10 at 50k) and populated twice what was used at 50,000.
// Never more than 512 MiB (a 180 MB file: a million rows), so a file far
// larger than anyone writes does not claim gigabytes before it is read.
[[nodiscard]] std::size_t load_heap_bytes(std::uintmax_t file_bytes);

// How much of that reservation to prefault: 1.5 times the file and 1 MiB,
// what the smallest users among the benchmark policies write of it (peak
// RSS of apply with all of it prefaulted, then with none: project 10k 28.0
// and 22.0 MiB, 3 to 4 MiB of the 9 written; mixed 10k 6.4 MiB of 8.6;
// project 50k 16.7 of 28.8; mixed 50k 19.4 of 27.6). The rest faults in a
// huge page at a time, at about what prefaulting costs, only if written:
// paired A/B against prefaulting it all, project 10k own stages -0.70 ms
// (lower in 34 of 40), project 50k -1.65 ms (20 of 30), mixed 50k -1.20
// ms (10 of 16), mixed 10k -0.20 ms (18 of 30; its lowering takes the
// faults: "compiled" +0.30).
[[nodiscard]] std::size_t load_heap_prefault_bytes(std::uintmax_t file_bytes);

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// A unified diff of two texts, line by line (Myers' O(ND) algorithm), for
// `phx-fw diff`: the live table against the compiled one, both printed in
// the canonical style (bare counters, sorted elements).
#pragma once

#include <string>

namespace phx::fw {

// "" when the texts are equal; otherwise hunks with `context` lines around
// each change, headed by "--- from" and "+++ to".
[[nodiscard]] std::string unified_diff(const std::string& from_text, const std::string& to_text,
                                       const std::string& from, const std::string& to,
                                       int context = 2);

} // namespace phx::fw

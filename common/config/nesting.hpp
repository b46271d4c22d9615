// SPDX-License-Identifier: GPL-3.0-or-later
// A limit on how deeply a TOML text nests, checked before toml++ parses it:
// toml++ recurses once per part of a dotted key or table header, so a
// hostile file of a few tens of kilobytes (a.b.c.... 35,000 levels deep)
// overflows the stack and kills the process reading it, a daemon's reload
// included. No configuration of ours nests more than a few levels.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace phx::config {

inline constexpr unsigned kMaxNesting = 64;

struct NestingProblem {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::string message;
};

// The first place where a key path (dotted key, table header) has more than
// `max_depth` parts or brackets ([ and {) nest more than `max_depth` deep;
// nullopt when there is none. Strings and comments are skipped; what is not
// TOML at all is left for the parser to report.
[[nodiscard]] std::optional<NestingProblem> nesting_problem(std::string_view text,
                                                            unsigned max_depth = kMaxNesting);

} // namespace phx::config

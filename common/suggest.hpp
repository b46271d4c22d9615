// SPDX-License-Identifier: GPL-3.0-or-later
// "Did you mean ...?" suggestions for misspelt keys and names.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace phx {

// The candidate closest to `word` by edit distance, if it is close enough to
// be a plausible typo (at most a third of the word's length, at least 1).
[[nodiscard]] std::optional<std::string_view>
closest_match(std::string_view word, std::span<const std::string_view> candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       std::span<const std::string_view> candidates);

} // namespace phx

// SPDX-License-Identifier: GPL-3.0-or-later
// Limits on a zone file and what it $INCLUDEs, checked before libzscanner
// reads them: libzscanner follows $INCLUDE to any depth, so a file that
// includes itself made `phx-dnsd --check` (and a reload) recurse until the
// process ran out of memory or descriptors. Each file may also be at most
// so large, so a mistaken path (a disk image) is refused, not parsed.
#pragma once

#include "common/diag.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace phx::dns {

inline constexpr unsigned kMaxIncludeDepth = 8;
inline constexpr std::size_t kMaxZoneFileBytes = std::size_t{1} << 30; // 1 GiB

// Reads `file` and, recursively, every file it $INCLUDEs (relative names
// are taken from the including file's directory, as libzscanner does).
// Reports an include loop, nesting deeper than kMaxIncludeDepth, and any
// file that cannot be read or is larger than kMaxZoneFileBytes, at the
// $INCLUDE's file:line; false if anything was reported.
// With `digest`, also a hash of every file's name and text: equal digests
// mean the scanner would read the same bytes (a reload can keep the zone).
bool check_includes(const std::string& file, Diagnostics& diag, std::uint64_t* digest = nullptr);

// `digest` with `more` mixed in (boost::hash_combine's mixing over
// std::hash): for digests of what a zone is built from.
[[nodiscard]] std::uint64_t combined_digest(std::uint64_t digest, std::string_view more) noexcept;

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a whole file the user named (a rules file, a configuration), with
// a reason the user can act on when it cannot be read.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace phx {

struct FileText {
    std::optional<std::string> text; // nullopt: not read
    std::string error;               // why not: "No such file or directory", "is a directory"
};

// The files we read are written by hand or generated at a few megabytes;
// anything far larger is a mistake (`--rules /dev/zero`), not input.
inline constexpr std::size_t kMaxInputFileBytes = 64 * 1024 * 1024;

// Reads `path` whole. Only regular files: a directory, a FIFO (which would
// block until a writer comes) or a device is refused, as is a file larger
// than `max_bytes`.
[[nodiscard]] FileText read_file_text(const std::string& path,
                                      std::size_t max_bytes = kMaxInputFileBytes);

// Reads `path` front to back in pieces of `piece_bytes` (the last may be
// shorter), each given to `visit` (valid for the call only), under the same rules as
// read_file_text; for files too large to hold whole beside what they
// become. Returns why it could not be read, or "".
[[nodiscard]] std::string read_file_pieces(const std::string& path, std::size_t max_bytes,
                                           std::size_t piece_bytes,
                                           const std::function<void(std::string_view)>& visit);

// Why `path` could not be read as input ("No such file or directory", "is
// a directory"), or "" when it is a regular file we may open. For files a
// library reads itself (libzscanner's zone files), to say more than it does.
[[nodiscard]] std::string file_problem(const std::string& path);

} // namespace phx

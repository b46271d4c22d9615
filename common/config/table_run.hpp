// SPDX-License-Identifier: GPL-3.0-or-later
// Finding where a TOML text ends in a run of [[name]] tables, and cutting
// that run into pieces, without reading the tables: a large rules file is
// 50,000 [[rule]] tables after a few dozen lines of anything else, and its
// loader reads the pieces one by one, on two threads (Document::load_split).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace phx::config {

// A stretch of text from the '[' of a `[[name]]` header at the start of a
// line to just before the next piece's first header, or to the text's end.
struct TablePiece {
    std::uint32_t begin = 0;  // offset of its first header's '['
    std::uint32_t end = 0;    // offset just past it
    std::uint32_t line = 0;   // its first header's line, from 1
    std::uint32_t tables = 0; // the headers it starts lines with
};

// The '\n's in `text`, counted 16 bytes at a time.
[[nodiscard]] std::size_t count_newlines(std::string_view text) noexcept;

// The pieces of the text's last lines that start with its first line that
// is a `[[name]]` header (blanks or a comment may follow on that line) and
// after which every line starting with '[' is one: `per_piece` tables each,
// the last fewer. Empty when no line starting with '[' is such a header, or
// the last such line is another. Only lines starting with '[' are looked
// at: whether the pieces are plain TOML is for the reader to find out, so a
// "\n[" inside a multi-line string, or an indented header, makes a piece
// the reader declines, never a wrong tree (Document::read_piece).
[[nodiscard]] std::vector<TablePiece>
trailing_table_run(std::string_view text, std::string_view name, std::size_t per_piece);

} // namespace phx::config

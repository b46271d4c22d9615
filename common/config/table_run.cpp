// SPDX-License-Identifier: GPL-3.0-or-later
// The scan for a trailing run of [[name]] tables: one pass for line starts
// that are '[' (16 bytes at a time), one to number the pieces' lines.
#include "common/config/table_run.hpp"

#include <algorithm>
#include <string>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace phx::config {
namespace {

// What may follow a header on its line.
bool ends_header(std::string_view text, std::size_t at) {
    return at == text.size() || text[at] == ' ' || text[at] == '\t' || text[at] == '#' ||
           text[at] == '\n';
}

class RunFinder {
public:
    RunFinder(std::string_view text, std::string_view name, std::size_t per_piece)
        : text_(text), header_("[[" + std::string{name} + "]]"),
          per_piece_(std::max<std::size_t>(per_piece, 1)) {}

    // A line starts at `at` with '['.
    void bracket_line(std::size_t at) {
        if (!is_header(at)) {
            pieces_.clear(); // the run, if any, starts after this line
            return;
        }
        if (pieces_.empty() || pieces_.back().tables == per_piece_) {
            if (!pieces_.empty()) pieces_.back().end = static_cast<std::uint32_t>(at);
            pieces_.push_back({static_cast<std::uint32_t>(at), 0, 0, 0});
        }
        ++pieces_.back().tables;
    }

    // "[[name]]" at `at`, then what may end a header's line.
    [[nodiscard]] bool is_header(std::size_t at) const {
        return text_.substr(at).starts_with(header_) && ends_header(text_, at + header_.size());
    }

    std::vector<TablePiece> finish() {
        if (pieces_.empty()) return {};
        pieces_.back().end = static_cast<std::uint32_t>(text_.size());
        std::size_t line = 1;
        std::size_t from = 0;
        for (auto& piece : pieces_) {
            line += count_newlines(text_.substr(from, piece.begin - from));
            piece.line = static_cast<std::uint32_t>(line);
            from = piece.begin;
        }
        return std::move(pieces_);
    }

private:
    std::string_view text_;
    std::string header_; // "[[name]]"
    std::size_t per_piece_;
    std::vector<TablePiece> pieces_;
};

} // namespace

// Counted in blocks of 255 bytes into one byte: the compiler then compares
// and adds 16 bytes at a time, where a wider count made it widen each byte.
std::size_t count_newlines(std::string_view text) noexcept {
    std::size_t lines = 0;
    while (!text.empty()) {
        const std::size_t block = std::min<std::size_t>(text.size(), 255);
        std::uint8_t in_block = 0;
        for (std::size_t i = 0; i < block; ++i)
            in_block = static_cast<std::uint8_t>(in_block + (text[i] == '\n' ? 1 : 0));
        lines += in_block;
        text.remove_prefix(block);
    }
    return lines;
}

std::vector<TablePiece> trailing_table_run(std::string_view text, std::string_view name,
                                           std::size_t per_piece) {
    // Offsets are 32 bits, as in the reader.
    if (text.size() >= UINT32_MAX) return {};
    RunFinder finder{text, name, per_piece};
    if (text.starts_with('[')) finder.bracket_line(0);
    const char* const data = text.data();
    std::size_t i = 0;
#ifdef __SSE2__
    // "\n[": a newline at i + k and a bracket at i + k + 1.
    const __m128i newline = _mm_set1_epi8('\n');
    const __m128i bracket = _mm_set1_epi8('[');
    for (; i + 17 <= text.size(); i += 16) {
        const __m128i here = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i + 1));
        auto hits = static_cast<unsigned>(_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(here, newline), _mm_cmpeq_epi8(next, bracket))));
        while (hits != 0) {
            finder.bracket_line(i + static_cast<std::size_t>(__builtin_ctz(hits)) + 1);
            hits &= hits - 1;
        }
    }
#endif
    for (; i + 1 < text.size(); ++i)
        if (data[i] == '\n' && data[i + 1] == '[') finder.bracket_line(i + 1);
    return finder.finish();
}

} // namespace phx::config

// SPDX-License-Identifier: GPL-3.0-or-later
// The fast reader of plain TOML (see document.hpp for the subset). It never
// reports an error: whatever it does not recognise, valid or not, it hands
// back to toml++, so it only has to be right about what it accepts.
#include "common/config/document.hpp"
#include "common/config/table_run.hpp"
#include "common/file_text.hpp"
#include "common/huge_pages.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <system_error>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace phx::config {
namespace {

// Character classes as tables: the reader looks at every byte of a file
// that may be megabytes long.
struct CharClasses {
    std::array<bool, 256> bare_key{}; // A-Z a-z 0-9 _ -
    std::array<bool, 256> text{};     // tab and printable ASCII: what comments and strings hold
    std::array<bool, 256> plain{};    // text without quotes and backslash: no special meaning
};

constexpr CharClasses make_classes() {
    CharClasses c;
    for (int i = 0; i < 256; ++i) {
        const bool letter = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z');
        const bool digit = i >= '0' && i <= '9';
        c.bare_key[static_cast<std::size_t>(i)] = letter || digit || i == '_' || i == '-';
        // TOML control characters, DEL and anything beyond ASCII are left to
        // toml++ (which also checks UTF-8).
        c.text[static_cast<std::size_t>(i)] = i == '\t' || (i >= 0x20 && i < 0x7f);
        c.plain[static_cast<std::size_t>(i)] =
            c.text[static_cast<std::size_t>(i)] && i != '"' && i != '\'' && i != '\\';
    }
    return c;
}

constexpr CharClasses kClasses = make_classes();

bool bare_key_char(char c) {
    return kClasses.bare_key[static_cast<unsigned char>(c)];
}
bool plain_text_char(char c) {
    return kClasses.text[static_cast<unsigned char>(c)];
}
bool plain_string_char(char c) {
    return kClasses.plain[static_cast<unsigned char>(c)];
}

// Past the plain string characters from p: to the first byte that ends or
// escapes a string or is not text (the NUL after the text, at the latest).
// Byte by byte this was a third of reading a large rules file; SSE2 (every
// x86-64 has it) looks at 16 bytes at once, where 16 are left before `end`.
char* skip_plain_string(char* p, const char* end) {
#ifdef __SSE2__
    const __m128i space = _mm_set1_epi8(0x20);
    const __m128i tab = _mm_set1_epi8('\t');
    const __m128i del = _mm_set1_epi8(0x7f);
    const __m128i double_quote = _mm_set1_epi8('"');
    const __m128i single_quote = _mm_set1_epi8('\'');
    const __m128i backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        // Signed, bytes from 0x80 on are below the space too: not ASCII.
        const __m128i control = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab), _mm_cmplt_epi8(v, space));
        const __m128i quote =
            _mm_or_si128(_mm_cmpeq_epi8(v, double_quote), _mm_cmpeq_epi8(v, single_quote));
        const __m128i other = _mm_or_si128(_mm_cmpeq_epi8(v, del), _mm_cmpeq_epi8(v, backslash));
        const int special = _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, other)));
        if (special != 0) return p + __builtin_ctz(static_cast<unsigned>(special));
        p += 16;
    }
#else
    (void)end;
#endif
    while (plain_string_char(*p)) ++p;
    return p;
}

// The files stay far below this; offsets into them are 32 bits.
constexpr std::size_t kMaxPlainSize = std::numeric_limits<std::uint32_t>::max() / 2;

} // namespace

class PlainReader {
public:
    // Reads [begin, end) of the text at `base` into `doc`, whose offsets
    // count from `base`; `begin` starts line `line`. With `only_array`
    // (reading a piece), every header must be [[only_array]].
    //
    // The cursor walks the text through a pointer, and every scan stops at a
    // byte no rule below accepts without a bounds check of its own: the NUL
    // std::string keeps after the text, or, where a head or a piece ends
    // before it, the '[' of the next header, which a line end (the '\n'
    // before it) has stopped every scan but an array's at.
    PlainReader(Document& doc, char* base, char* begin, char* end, std::uint32_t line,
                std::string_view only_array = {})
        : doc_(doc), base_(base), p_(begin), end_(end), line_start_(begin), line_(line),
          only_array_(only_array) {
        if (!only_array.empty()) return; // a piece's document keeps its storage
        // A key takes a line, so this is room enough: growing a vector of a
        // few hundred thousand entries would copy it over and over.
        doc_.entries_.reserve(count_newlines({begin, static_cast<std::size_t>(end - begin)}) + 1);
        prefault_huge_pages(doc_.entries_.data(), doc_.entries_.capacity() * sizeof(Entry));
    }

    // Reads on to end_; false when the text is not plain.
    bool read() {
        while (p_ != end_) {
            skip_blanks();
            if (*p_ == '[') {
                if (!header()) return false;
            } else if (*p_ != '\n' && *p_ != '#' && p_ != end_) {
                if (!key_value()) return false;
            }
            if (!line_end()) return false;
        }
        return true;
    }

    // The head of a split read ended at the run of [[array]] tables: does
    // anything before it have the array's name?
    [[nodiscard]] bool defines(std::string_view key) const { return root_entry(key).has_value(); }
    // Reads on to `end` next (from the end of a head).
    void extend_to(char* end) { end_ = end; }

    // Closes what is open and puts the root's entries in place.
    void finish() {
        close_table();
        for (auto& group : arrays_) {
            Node& array = root_entries_[group.root_entry].value;
            array.first = static_cast<std::uint32_t>(doc_.items_.size());
            array.size = static_cast<std::uint32_t>(group.tables.size());
            doc_.items_.insert(doc_.items_.end(), group.tables.begin(), group.tables.end());
        }
        doc_.root_.first = static_cast<std::uint32_t>(doc_.entries_.size());
        doc_.root_.size = static_cast<std::uint32_t>(root_entries_.size());
        doc_.entries_.insert(doc_.entries_.end(), root_entries_.begin(), root_entries_.end());
    }

private:
    // An array of tables ([[rule]]) whose tables are still being collected:
    // their nodes move into items_ at the end, so they are contiguous there.
    struct TableArray {
        std::size_t root_entry;
        std::vector<Node> tables;
    };
    enum class Current { root, table, table_array };

    // --- the cursor ----------------------------------------------------
    [[nodiscard]] TextPos here() const {
        return {line_, static_cast<std::uint32_t>(p_ - line_start_ + 1)};
    }
    [[nodiscard]] std::uint32_t offset() const { return static_cast<std::uint32_t>(p_ - base_); }
    void skip_blanks() {
        while (*p_ == ' ' || *p_ == '\t') ++p_;
    }
    bool expect(char c) {
        if (*p_ != c) return false;
        ++p_;
        return true;
    }
    void newline() {
        ++line_;
        line_start_ = ++p_;
    }
    bool comment() {
        ++p_; // '#'
        while (plain_text_char(*p_)) ++p_;
        return *p_ == '\n' || p_ == end_;
    }
    // Blanks, an optional comment, then a newline or the end of the text.
    bool line_end() {
        skip_blanks();
        if (*p_ == '#' && !comment()) return false;
        if (p_ == end_) return true;
        if (*p_ != '\n') return false;
        newline();
        return true;
    }
    // Inside an array, values may be spread over lines with comments between.
    bool skip_array_space() {
        while (true) {
            skip_blanks();
            if (*p_ == '#' && !comment()) return false;
            if (*p_ != '\n') return true;
            newline();
        }
    }

    // --- keys and headers ------------------------------------------------
    std::optional<Entry> bare_key() {
        Entry entry;
        entry.key_at = here();
        entry.key_first = offset();
        while (bare_key_char(*p_)) ++p_;
        entry.key_size = offset() - entry.key_first;
        if (entry.key_size == 0) return std::nullopt; // quoted or dotted keys: toml++
        return entry;
    }

    // A key written twice in one table is an error toml++ reports.
    [[nodiscard]] bool is_new(const Entry& entry, const Entry* first, const Entry* last) const {
        const std::string_view key = doc_.key(entry);
        return std::none_of(first, last, [&](const Entry& e) { return doc_.key(e) == key; });
    }

    bool key_value() {
        auto entry = bare_key();
        if (!entry) return false;
        skip_blanks();
        if (!expect('=')) return false;
        skip_blanks();
        if (!value(entry->value, true)) return false;
        auto& entries = current_ == Current::root ? root_entries_ : doc_.entries_;
        const std::size_t first = current_ == Current::root ? 0 : table_first_;
        if (!is_new(*entry, entries.data() + first, entries.data() + entries.size())) return false;
        entries.push_back(*entry);
        return true;
    }

    std::optional<std::size_t> root_entry(std::string_view key) const {
        for (std::size_t i = 0; i < root_entries_.size(); ++i)
            if (doc_.key(root_entries_[i]) == key) return i;
        return std::nullopt;
    }

    // [name] or [[name]]: closes the table before it and opens a new one.
    bool header() {
        const TextPos at = here();
        ++p_;
        const bool array = expect('[');
        auto name = bare_key();
        if (!name || !expect(']') || (array && !expect(']'))) return false;
        if (!only_array_.empty() && (!array || doc_.key(*name) != only_array_)) return false;
        close_table();
        table_first_ = doc_.entries_.size();
        const Node table{NodeKind::table, at, 0, 0};
        if (array && current_ == Current::table_array) {
            // The same array as the table before: a large file is 50,000 [[rule]]s.
            TableArray& open = arrays_[current_index_];
            if (doc_.key(root_entries_[open.root_entry]) == doc_.key(*name)) {
                open.tables.push_back(table);
                return true;
            }
        }
        const auto existing = root_entry(doc_.key(*name));
        if (!array) {
            if (existing) return false; // defined twice, or also a key or an array
            name->value = table;
            root_entries_.push_back(*name);
            current_ = Current::table;
            current_index_ = root_entries_.size() - 1;
            return true;
        }
        auto group = std::find_if(arrays_.begin(), arrays_.end(),
                                  [&](const TableArray& a) { return a.root_entry == existing; });
        if (existing && group == arrays_.end()) return false; // the name is a table or a key
        if (!existing) {
            name->value = {NodeKind::array, at, 0, 0};
            root_entries_.push_back(*name);
            group = arrays_.insert(arrays_.end(), {root_entries_.size() - 1, {}});
        }
        group->tables.push_back(table);
        current_ = Current::table_array;
        current_index_ = static_cast<std::size_t>(group - arrays_.begin());
        return true;
    }

    void close_table() {
        if (current_ == Current::root) return;
        Node& table = current_ == Current::table ? root_entries_[current_index_].value
                                                 : arrays_[current_index_].tables.back();
        table.first = static_cast<std::uint32_t>(table_first_);
        table.size = static_cast<std::uint32_t>(doc_.entries_.size() - table_first_);
    }

    // --- values ------------------------------------------------------------
    bool value(Node& out, bool array_allowed) {
        const char c = *p_;
        if (c == '"' || c == '\'') return string(out);
        if (c == '-' || (c >= '0' && c <= '9')) return integer(out);
        if (c == 't' || c == 'f') return boolean(out);
        if (c == '[' && array_allowed) return array(out);
        return false; // floats, dates, inline tables, nested arrays: toml++
    }

    // A basic or literal string on one line. Escapes are decoded in place:
    // the decoded text is never longer than the escaped one, and the reader
    // has already passed the bytes it overwrites.
    bool string(Node& out) {
        const char quote = *p_;
        if (p_[1] == quote && p_[2] == quote) return false; // multi-line
        out = {NodeKind::string, here(), 0, 0};
        char* const first = ++p_;
        char* p = skip_plain_string(first, end_);
        char* write = p;
        while (*p != quote) {
            char c = *p++;
            if (!plain_text_char(c)) return false; // a control character, or the end
            if (c == '\\' && quote == '"' && (c = escaped(*p++)) == '\0') return false;
            *write++ = c;
        }
        p_ = p + 1;
        out.first = static_cast<std::uint32_t>(first - base_);
        out.size = static_cast<std::uint32_t>(write - first);
        return true;
    }

    // The character an escape stands for; '\0' for escapes left to toml++
    // (\u, \U and anything TOML does not define).
    static char escaped(char c) {
        switch (c) {
        case 'b':
            return '\b';
        case 't':
            return '\t';
        case 'n':
            return '\n';
        case 'f':
            return '\f';
        case 'r':
            return '\r';
        case '"':
            return '"';
        case '\\':
            return '\\';
        default:
            return '\0';
        }
    }

    // A decimal integer written the way std::to_string prints it (no '+',
    // no "-0", no leading zeros or underscores), so its text is the one the
    // loader would make from toml++'s value.
    bool integer(Node& out) {
        out = {NodeKind::integer, here(), offset(), 0};
        const char* const first = p_;
        if (*p_ == '-') ++p_;
        const char* const digits = p_;
        while (*p_ >= '0' && *p_ <= '9') ++p_;
        if (p_ == digits || !ends_value(*p_)) return false;
        if (*digits == '0' && (p_ - digits > 1 || digits > first)) return false;
        std::int64_t value = 0;
        const auto [end, error] = std::from_chars(first, p_, value);
        if (error != std::errc{} || end != p_) return false; // out of range
        out.size = static_cast<std::uint32_t>(p_ - first);
        return true;
    }
    bool boolean(Node& out) {
        out = {NodeKind::boolean, here(), offset(), 0};
        for (const std::string_view word : {std::string_view{"true"}, std::string_view{"false"}}) {
            // Compared byte by byte: the NUL after the text stops it at the end.
            std::size_t n = 0;
            while (n < word.size() && p_[n] == word[n]) ++n;
            if (n != word.size()) continue;
            p_ += n;
            out.size = static_cast<std::uint32_t>(n);
            return ends_value(*p_);
        }
        return false;
    }

    [[nodiscard]] bool ends_value(char c) const {
        return c == ' ' || c == '\t' || c == '\n' || c == '#' || c == ',' || c == ']' || p_ == end_;
    }

    bool array(Node& out) {
        out = {NodeKind::array, here(), 0, 0};
        ++p_;
        const std::size_t first = doc_.items_.size();
        while (true) {
            if (!skip_array_space()) return false;
            if (expect(']')) break;
            Node item;
            if (!value(item, false)) return false;
            doc_.items_.push_back(item);
            if (!skip_array_space()) return false;
            if (expect(']')) break;
            if (!expect(',')) return false;
        }
        out.first = static_cast<std::uint32_t>(first);
        out.size = static_cast<std::uint32_t>(doc_.items_.size() - first);
        return true;
    }

    Document& doc_;
    char* base_;
    char* p_;
    char* end_;
    char* line_start_;
    std::uint32_t line_;
    std::string_view only_array_;
    std::vector<Entry> root_entries_; // the root's, moved into entries_ at the end
    std::vector<TableArray> arrays_;
    Current current_ = Current::root;
    std::size_t current_index_ = 0; // in root_entries_ (table) or arrays_ (table_array)
    std::size_t table_first_ = 0;   // the open table's first entry in entries_
};

std::optional<Document> Document::read_plain(std::string text) {
    if (text.size() > kMaxPlainSize) return std::nullopt;
    Document doc;
    doc.chars_ = std::move(text);
    char* const base = doc.chars_.data();
    PlainReader reader{doc, base, base, base + doc.chars_.size(), 1};
    if (!reader.read()) return std::nullopt;
    reader.finish();
    return doc;
}

std::optional<SplitDocument> Document::read_split(std::string text, std::string_view array,
                                                  std::size_t per_piece) {
    if (text.size() > kMaxPlainSize) return std::nullopt;
    SplitDocument split;
    split.pieces = trailing_table_run(text, array, per_piece);
    Document& doc = split.head;
    doc.chars_ = std::move(text);
    char* const base = doc.chars_.data();
    char* const end = base + doc.chars_.size();
    PlainReader reader{doc, base, base,
                       split.pieces.empty() ? end : base + split.pieces.front().begin, 1};
    if (!reader.read()) return std::nullopt;
    if (!split.pieces.empty() && reader.defines(array)) {
        // [[array]] tables (or a key of that name) before the run too: one
        // array cannot come from both, so the run is read here after all.
        split.pieces.clear();
        reader.extend_to(end);
        if (!reader.read()) return std::nullopt;
    }
    reader.finish();
    return split;
}

std::optional<SplitDocument> Document::load_split(const std::string& path, Diagnostics& diag,
                                                  std::string_view array, std::size_t per_piece) {
    auto read = read_file_text(path);
    if (!read.text) {
        diag.error({path}, "cannot read the file: " + read.error);
        return std::nullopt;
    }
    if (auto split = read_split(std::move(*read.text), array, per_piece)) return split;
    // As load() does: toml++ reads the file again (the fast reader has
    // written over escapes in its copy).
    auto doc = Document::load(path, diag);
    if (!doc) return std::nullopt;
    return SplitDocument{std::move(*doc), {}};
}

bool Document::read_piece(SplitDocument& split, std::size_t k, std::string_view array,
                          Document& out) {
    const TablePiece& piece = split.pieces[k];
    char* const base = split.head.chars_.data();
    out.chars_.clear();
    out.external_ = base;
    out.items_.clear();
    out.entries_.clear();
    out.root_ = {NodeKind::table, {1, 1}, 0, 0};
    PlainReader reader{out, base, base + piece.begin, base + piece.end, piece.line, array};
    if (!reader.read()) return false;
    reader.finish();
    return true;
}

} // namespace phx::config

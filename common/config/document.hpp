// SPDX-License-Identifier: GPL-3.0-or-later
// A TOML file (phx-fw's rules, phx-dnsd's configuration) as a compact tree of
// strings, integers, booleans, arrays and tables, each value with its line
// and column. A large rules file (50,000 rows) is mostly [[rule]] tables of
// short strings, and toml++ alone would take longer to parse it than the
// kernel takes to install the result; so text written in the plain subset
// below is read by a small reader of our own, and anything else (and every
// syntax error) goes through toml++, so its messages and positions stay the
// ones users see. Both give the same tree (tests/fuzz/fuzz_toml.cpp checks).
#pragma once

#include "common/config/table_run.hpp"
#include "common/diag.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace phx::config {

// Where a value or key starts, as toml++ counts: lines and columns from 1.
struct TextPos {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    friend bool operator==(const TextPos&, const TextPos&) = default;
};

// "other" is any TOML type our files never use (floats, dates): a reader
// only needs to say it is the wrong type.
enum class NodeKind : std::uint8_t { string, integer, boolean, array, table, other };

// One value. Its storage lives in the Document: a string's (an integer's
// decimal, a boolean's "true" or "false") text in chars_, an array's items in items_, a table's
// entries in entries_, each a contiguous range [first, first + size). Kept
// to 20 bytes: a large rules file has hundreds of thousands of them.
struct Node {
    NodeKind kind = NodeKind::other;
    TextPos at;
    std::uint32_t first = 0;
    std::uint32_t size = 0;
};

struct Entry {
    std::uint32_t key_first = 0; // the key's text in chars_
    std::uint32_t key_size = 0;
    TextPos key_at;
    Node value;
};

struct SplitDocument;

class Document {
public:
    // Reads `path`. A file that cannot be read is an error naming it and
    // saying why ("No such file or directory", "is a directory"); syntax
    // errors are toml++'s, reported at their position.
    [[nodiscard]] static std::optional<Document> load(const std::string& path, Diagnostics& diag);
    // The same for text already in memory; `file` names it in messages.
    [[nodiscard]] static std::optional<Document> parse(std::string text, const std::string& file,
                                                       Diagnostics& diag);

    // The fast reader: nullopt when the text is not entirely in the plain
    // subset (then toml++ decides). The subset: ASCII, LF line ends; [table]
    // and [[array]] headers with bare names; `bare_key = value` with a basic
    // ("..." without \u escapes) or literal ('...') string, a decimal integer,
    // true or false, or an array of those; comments anywhere a line may end.
    [[nodiscard]] static std::optional<Document> read_plain(std::string text);
    // The tree of a document toml++ parsed.
    [[nodiscard]] static Document from_toml(const toml::table& root);

    // load() for a file that may end in a long run of [[array]] tables (a
    // rules file's [[rule]]s): when the fast reader takes everything before
    // the run, and nothing before it is named `array`, the run is left
    // unread as pieces of `per_piece` tables (table_run.hpp), for
    // read_piece(). Otherwise the document is whole, read as load() reads it,
    // and there are no pieces. nullopt after reporting an unreadable file or
    // a syntax error.
    [[nodiscard]] static std::optional<SplitDocument> load_split(const std::string& path,
                                                                 Diagnostics& diag,
                                                                 std::string_view array,
                                                                 std::size_t per_piece);
    // The same for text in memory, with the fast reader only: nullopt when
    // it declines what it reads (the head, or the whole text).
    [[nodiscard]] static std::optional<SplitDocument>
    read_split(std::string text, std::string_view array, std::size_t per_piece);
    // Reads piece k of `split` into `out` (emptied first, its storage kept
    // for the next piece): its root then holds `array`, whose tables are
    // those of the piece, positioned in the whole file. False when the fast
    // reader declines the piece: it is not plain TOML, or not only [[array]]
    // tables, and the file must be read again whole (load()), so that
    // toml++ words what is wrong. Threads may read different pieces at once.
    [[nodiscard]] static bool read_piece(SplitDocument& split, std::size_t k,
                                         std::string_view array, Document& out);

    // The accessors are inline: the loader calls them a few dozen times per row.
    [[nodiscard]] const Node& root() const noexcept { return root_; }
    // A string's text, or an integer's decimal.
    [[nodiscard]] std::string_view text(const Node& value) const noexcept {
        return {chars() + value.first, value.size};
    }
    // An integer's value (both readers checked that it fits).
    [[nodiscard]] std::int64_t integer(const Node& value) const noexcept;
    [[nodiscard]] bool boolean(const Node& value) const noexcept { return text(value) == "true"; }
    [[nodiscard]] std::string_view key(const Entry& entry) const noexcept {
        return {chars() + entry.key_first, entry.key_size};
    }
    [[nodiscard]] std::span<const Node> items(const Node& array) const noexcept {
        return {items_.data() + array.first, array.size};
    }
    // In no particular order: file order from the fast reader, key order from toml++.
    [[nodiscard]] std::span<const Entry> entries(const Node& table) const noexcept {
        return {entries_.data() + table.first, table.size};
    }
    [[nodiscard]] const Entry* find(const Node& table, std::string_view wanted) const noexcept {
        for (const Entry& entry : entries(table))
            if (is_key(entry, wanted)) return &entry;
        return nullptr;
    }
    // Keys of one table mostly differ in length or first letter, and are a
    // few bytes long: compared byte by byte, without a memcmp call.
    [[nodiscard]] bool is_key(const Entry& entry, std::string_view wanted) const noexcept {
        if (entry.key_size != wanted.size()) return false;
        const char* have = chars() + entry.key_first;
        for (std::size_t i = 0; i < wanted.size(); ++i)
            if (have[i] != wanted[i]) return false;
        return true;
    }

    // The same tree: kinds, values, keys and positions (not storage, nor
    // the order of a table's entries).
    friend bool operator==(const Document& a, const Document& b);

private:
    friend class PlainReader;
    [[nodiscard]] Node convert(const toml::node& node);
    [[nodiscard]] std::uint32_t add_text(std::string_view text);
    // Where offsets into the text count from: a piece's document reads the
    // text its SplitDocument's head holds.
    [[nodiscard]] const char* chars() const noexcept {
        return external_ != nullptr ? external_ : chars_.data();
    }

    std::string chars_;
    const char* external_ = nullptr;
    std::vector<Node> items_;
    std::vector<Entry> entries_;
    Node root_{NodeKind::table, {1, 1}, 0, 0};
};

// A document whose trailing [[array]] tables are left in pieces, unread
// (Document::load_split). The head holds the text, pieces included.
struct SplitDocument {
    Document head;
    std::vector<TablePiece> pieces;
};

} // namespace phx::config

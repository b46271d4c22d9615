// SPDX-License-Identifier: GPL-3.0-or-later
// Whether a document read in pieces (Document::read_split, then each piece
// with read_piece) is the document the fast reader reads whole: for the unit
// tests and the differential fuzz target of the TOML layer.
#pragma once

#include "common/config/document.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace phx::test {

// A node's kind and position as text.
inline std::string node_head(const config::Node& node) {
    return std::to_string(static_cast<int>(node.kind)) + "@" + std::to_string(node.at.line) + ":" +
           std::to_string(node.at.column);
}

// A table's entries as text, in key order (the readers' orders differ).
inline std::string table_body(std::vector<std::string> entries) {
    std::sort(entries.begin(), entries.end());
    std::string out = "{";
    for (const auto& entry : entries) out += entry + ";";
    return out + "}";
}

// An entry as text: key and its position, then what `value` says.
inline std::string entry_text(std::string_view key, const config::Entry& entry,
                              const std::string& value) {
    return std::string{key} + "@" + std::to_string(entry.key_at.line) + ":" +
           std::to_string(entry.key_at.column) + "=" + value;
}

// A node as text: kind, position, value, children (a table's by key).
inline std::string dump(const config::Document& doc, const config::Node& node) {
    switch (node.kind) {
    case config::NodeKind::array: {
        std::string out = node_head(node) + "[";
        for (const auto& item : doc.items(node)) out += dump(doc, item) + ",";
        return out + "]";
    }
    case config::NodeKind::table: {
        std::vector<std::string> entries;
        for (const auto& entry : doc.entries(node))
            entries.push_back(entry_text(doc.key(entry), entry, dump(doc, entry.value)));
        return node_head(node) + table_body(std::move(entries));
    }
    default:
        return node_head(node) + "'" + std::string{doc.text(node)} + "'";
    }
}

enum class SplitVerdict {
    same,      // the split read is the whole one, or both declined
    declined,  // a piece was declined: the loader reads the file whole
    different, // a finding
};

// Reads `text` split at its trailing run of [[array]] tables, `per_piece` a
// piece, and compares it with `whole` (Document::read_plain of the same text).
inline SplitVerdict compare_split(const std::string& text, std::string_view array,
                                  std::size_t per_piece,
                                  const std::optional<config::Document>& whole) {
    auto split = config::Document::read_split(text, array, per_piece);
    // The head is read as the whole text is, up to where the run starts.
    if (!split) return whole ? SplitVerdict::different : SplitVerdict::same;
    if (split->pieces.empty()) {
        if (!whole) return SplitVerdict::different;
        return dump(split->head, split->head.root()) == dump(*whole, whole->root())
                   ? SplitVerdict::same
                   : SplitVerdict::different;
    }
    // The head's root entries, and the array: its entry as the first piece
    // has it (the run's first header), its tables those of every piece.
    std::vector<std::string> root;
    for (const auto& entry : split->head.entries(split->head.root()))
        root.push_back(entry_text(split->head.key(entry), entry, dump(split->head, entry.value)));
    std::string tables;
    std::string array_head;
    config::Document piece;
    for (std::size_t k = 0; k < split->pieces.size(); ++k) {
        if (!config::Document::read_piece(*split, k, array, piece)) return SplitVerdict::declined;
        // A piece read holds one array of tables and nothing else; a piece
        // with a table more or fewer than the scan counted is declined by
        // the loader.
        const config::Entry* entry = piece.find(piece.root(), array);
        if (entry == nullptr || piece.entries(piece.root()).size() != 1 ||
            entry->value.kind != config::NodeKind::array)
            return SplitVerdict::different;
        if (piece.items(entry->value).size() != split->pieces[k].tables)
            return SplitVerdict::declined;
        if (k == 0) array_head = entry_text(array, *entry, node_head(entry->value));
        for (const auto& table : piece.items(entry->value)) tables += dump(piece, table) + ",";
    }
    if (!whole) return SplitVerdict::different; // every piece taken, the whole text declined
    root.push_back(array_head + "[" + tables + "]");
    const std::string joined = node_head(split->head.root()) + table_body(std::move(root));
    return joined == dump(*whole, whole->root()) ? SplitVerdict::same : SplitVerdict::different;
}

} // namespace phx::test

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

// A node as text: kind, position, value, children (a table's by key).
inline std::string dump(const config::Document& doc, const config::Node& node) {
    std::string out = std::to_string(static_cast<int>(node.kind)) + "@" +
                      std::to_string(node.at.line) + ":" + std::to_string(node.at.column);
    switch (node.kind) {
    case config::NodeKind::array:
        out += "[";
        for (const auto& item : doc.items(node)) out += dump(doc, item) + ",";
        return out + "]";
    case config::NodeKind::table: {
        std::vector<std::string> entries;
        for (const auto& entry : doc.entries(node))
            entries.push_back(std::string{doc.key(entry)} + "@" +
                              std::to_string(entry.key_at.line) + ":" +
                              std::to_string(entry.key_at.column) + "=" + dump(doc, entry.value));
        std::sort(entries.begin(), entries.end());
        out += "{";
        for (const auto& entry : entries) out += entry + ";";
        return out + "}";
    }
    default:
        return out + "'" + std::string{doc.text(node)} + "'";
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
        root.push_back(std::string{split->head.key(entry)} + "@" +
                       std::to_string(entry.key_at.line) + ":" +
                       std::to_string(entry.key_at.column) + "=" + dump(split->head, entry.value));
    std::string tables;
    std::string array_entry;
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
        if (k == 0)
            array_entry = std::string{array} + "@" + std::to_string(entry->key_at.line) + ":" +
                          std::to_string(entry->key_at.column) + "=" +
                          std::to_string(static_cast<int>(entry->value.kind)) + "@" +
                          std::to_string(entry->value.at.line) + ":" +
                          std::to_string(entry->value.at.column) + "[";
        for (const auto& table : piece.items(entry->value)) tables += dump(piece, table) + ",";
    }
    if (!whole) return SplitVerdict::different; // every piece taken, the whole text declined
    root.push_back(array_entry + tables + "]");
    std::sort(root.begin(), root.end());
    std::string joined = std::to_string(static_cast<int>(config::NodeKind::table)) + "@1:1{";
    for (const auto& entry : root) joined += entry + ";";
    joined += "}";
    return joined == dump(*whole, whole->root()) ? SplitVerdict::same : SplitVerdict::different;
}

} // namespace phx::test

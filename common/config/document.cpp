// SPDX-License-Identifier: GPL-3.0-or-later
// The document tree: reading a file (fast reader first, toml++ otherwise),
// converting what toml++ parsed, and looking values up.
#include "common/config/document.hpp"

#include "common/config/nesting.hpp"
#include "common/file_text.hpp"

#include <algorithm>
#include <charconv>

namespace phx::config {
namespace {

TextPos text_pos(const toml::source_position& p) {
    return {static_cast<std::uint32_t>(p.line), static_cast<std::uint32_t>(p.column)};
}

NodeKind kind_of(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string:
        return NodeKind::string;
    case toml::node_type::integer:
        return NodeKind::integer;
    case toml::node_type::boolean:
        return NodeKind::boolean;
    case toml::node_type::array:
        return NodeKind::array;
    case toml::node_type::table:
        return NodeKind::table;
    default:
        return NodeKind::other;
    }
}

bool same(const Document& a, const Node& x, const Document& b, const Node& y) {
    if (x.kind != y.kind || !(x.at == y.at)) return false;
    switch (x.kind) {
    case NodeKind::string:
        return a.text(x) == b.text(y);
    case NodeKind::integer:
    case NodeKind::boolean:
        return a.text(x) == b.text(y);
    case NodeKind::array: {
        const auto xs = a.items(x);
        const auto ys = b.items(y);
        return std::equal(xs.begin(), xs.end(), ys.begin(), ys.end(),
                          [&](const Node& i, const Node& j) { return same(a, i, b, j); });
    }
    case NodeKind::table: {
        const auto xs = a.entries(x);
        return xs.size() == b.entries(y).size() &&
               std::all_of(xs.begin(), xs.end(), [&](const Entry& i) {
                   const Entry* j = b.find(y, a.key(i));
                   return j && i.key_at == j->key_at && same(a, i.value, b, j->value);
               });
    }
    case NodeKind::other:
        return true;
    }
    return false;
}

// toml++ reads what the fast reader declines, and words every syntax error.
std::optional<Document> parse_with_tomlpp(const std::string& text, const std::string& file,
                                          Diagnostics& diag) {
    if (const auto deep = nesting_problem(text)) {
        diag.error({file, deep->line, deep->column}, deep->message);
        return std::nullopt;
    }
    try {
        return Document::from_toml(toml::parse(text, file));
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        diag.error({file, static_cast<std::uint32_t>(begin.line),
                    static_cast<std::uint32_t>(begin.column)},
                   std::string(e.description()));
        return std::nullopt;
    }
}

} // namespace

std::optional<Document> Document::load(const std::string& path, Diagnostics& diag) {
    auto read = read_file_text(path);
    if (!read.text) {
        diag.error({path}, "cannot read the file: " + read.error);
        return std::nullopt;
    }
    if (auto plain = read_plain(std::move(*read.text))) return plain;
    // The fast reader has consumed the text; toml++ reads the file again.
    read = read_file_text(path);
    if (!read.text) {
        diag.error({path}, "cannot read the file: " + read.error);
        return std::nullopt;
    }
    return parse_with_tomlpp(*read.text, path, diag);
}

std::optional<Document> Document::parse(std::string text, const std::string& file,
                                        Diagnostics& diag) {
    if (auto plain = read_plain(text)) return plain;
    return parse_with_tomlpp(text, file, diag);
}

Document Document::from_toml(const toml::table& root) {
    Document doc;
    doc.root_ = doc.convert(root);
    return doc;
}

std::uint32_t Document::add_text(std::string_view text) {
    const auto first = static_cast<std::uint32_t>(chars_.size());
    chars_.append(text);
    return first;
}

// Children are converted into ranges reserved first, so each array's items
// and each table's entries stay contiguous whatever their children hold.
Node Document::convert(const toml::node& node) {
    Node out{kind_of(node), text_pos(node.source().begin), 0, 0};
    if (const auto* s = node.as_string()) {
        out.first = add_text(s->get());
        out.size = static_cast<std::uint32_t>(s->get().size());
    } else if (const auto* b = node.as_boolean()) {
        const std::string_view text = b->get() ? "true" : "false";
        out.first = add_text(text);
        out.size = static_cast<std::uint32_t>(text.size());
    } else if (const auto* i = node.as_integer()) {
        const std::string text = std::to_string(i->get());
        out.first = add_text(text);
        out.size = static_cast<std::uint32_t>(text.size());
    } else if (const auto* array = node.as_array()) {
        out.first = static_cast<std::uint32_t>(items_.size());
        out.size = static_cast<std::uint32_t>(array->size());
        items_.resize(items_.size() + array->size());
        for (std::uint32_t k = 0; k < out.size; ++k) {
            const Node item = convert((*array)[k]);
            items_[out.first + k] = item;
        }
    } else if (const auto* table = node.as_table()) {
        out.first = static_cast<std::uint32_t>(entries_.size());
        out.size = static_cast<std::uint32_t>(table->size());
        entries_.resize(entries_.size() + table->size());
        std::uint32_t k = 0;
        for (const auto& [key, value] : *table) {
            Entry entry{add_text(key.str()),
                        static_cast<std::uint32_t>(key.str().size()),
                        text_pos(key.source().begin),
                        {}};
            entry.value = convert(value);
            entries_[out.first + k++] = entry;
        }
    }
    return out;
}

std::int64_t Document::integer(const Node& value) const noexcept {
    std::int64_t out = 0;
    const std::string_view digits = text(value);
    std::from_chars(digits.data(), digits.data() + digits.size(), out);
    return out;
}

bool operator==(const Document& a, const Document& b) {
    return same(a, a.root_, b, b.root_);
}

} // namespace phx::config

// SPDX-License-Identifier: GPL-3.0-or-later
// The document tree: reading a file (fast reader first, toml++ otherwise),
// converting what toml++ parsed, and looking values up.
#include "fwcompile/load_toml.hpp"

#include "common/toml_util.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <memory>
#include <sys/stat.h>

namespace phx::fw::detail {
namespace {

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

// The whole file; nullopt when it cannot be read (toml++ then says why).
std::optional<std::string> read_file(const std::string& path) {
    const std::unique_ptr<std::FILE, FileCloser> file{std::fopen(path.c_str(), "rb")};
    if (!file) return std::nullopt;
    std::string text;
    struct stat st {};
    // A regular file in one read; anything else (a pipe) as it comes.
    if (fstat(fileno(file.get()), &st) == 0 && st.st_size > 0) {
        text.resize(static_cast<std::size_t>(st.st_size));
        text.resize(std::fread(text.data(), 1, text.size(), file.get()));
    }
    char buffer[64 * 1024];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
    if (std::ferror(file.get())) return std::nullopt;
    return text;
}

TextPos text_pos(const toml::source_position& p) {
    return {static_cast<std::uint32_t>(p.line), static_cast<std::uint32_t>(p.column)};
}

NodeKind kind_of(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string:
        return NodeKind::string;
    case toml::node_type::integer:
        return NodeKind::integer;
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

} // namespace

std::optional<Document> Document::load(const std::string& path, Diagnostics& diag) {
    if (auto text = read_file(path))
        if (auto plain = read_plain(std::move(*text))) return plain;
    auto root = load_toml_file(path, diag);
    if (!root) return std::nullopt;
    return from_toml(*root);
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

} // namespace phx::fw::detail

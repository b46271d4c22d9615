// SPDX-License-Identifier: GPL-3.0-or-later
// The loader's entry point and the value readers both halves share.
#include "fwcompile/load/load.hpp"

#include "common/suggest.hpp"
#include "fwcompile/load/detail.hpp"
#include "fwcompile/scope.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <system_error>

namespace phx::fw {
namespace detail {
namespace {

bool is_scalar(const Node& node, std::string_view key, const Section& s) {
    if (node.kind == NodeKind::string || node.kind == NodeKind::integer) return true;
    s.diag().error(s.at(node),
                   fmt::format("'{}' in {} must be a string or a number", key, s.name()));
    return false;
}

} // namespace

std::optional<std::span<const Node>> scalar_list(const Section& s, std::string_view key) {
    const Node* node = s.get(key);
    if (!node) return std::span<const Node>{};
    if (node->kind != NodeKind::array) {
        if (!is_scalar(*node, key, s)) return std::nullopt;
        return std::span<const Node>{node, 1};
    }
    const auto items = s.doc().items(*node);
    if (items.empty()) {
        s.diag().error(s.pos_of(key), fmt::format("'{}' in {} is an empty list", key, s.name()));
        return std::nullopt;
    }
    for (const auto& item : items)
        if (!is_scalar(item, key, s)) return std::nullopt;
    return items;
}

std::optional<Scalar> scalar(const Section& s, std::string_view key, bool required) {
    const Node* node = s.get(key);
    if (!node) {
        if (required) s.diag().error(s.pos(), fmt::format("{} needs '{}'", s.name(), key));
        return std::nullopt;
    }
    if (!is_scalar(*node, key, s)) return std::nullopt;
    return s.scalar(*node);
}

namespace {

// Keywords are ASCII; phx-fw never changes the C locale, in which
// std::tolower does no more than this.
char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

} // namespace

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

bool is_word(std::string_view text, std::string_view word) {
    return std::equal(text.begin(), text.end(), word.begin(), word.end(),
                      [](char t, char w) { return ascii_lower(t) == w; });
}

std::string host_suggestion(std::string_view text, const Inventory& inventory) {
    std::vector<std::string> ids;
    for (const auto& host : inventory.hosts)
        if (host.id) ids.push_back(std::to_string(*host.id));
    std::vector<std::string_view> candidates;
    for (const auto& host : inventory.hosts) candidates.push_back(host.name);
    for (const auto& id : ids) candidates.push_back(id);
    return did_you_mean(text, candidates);
}

} // namespace detail

namespace {

// The rules of `doc`, whose [[rule]] tables are its own, or `split`'s
// pieces when there is one. nullopt after errors, or when a piece was not
// plain TOML (nothing said about it).
std::optional<RuleSet> load_document(const detail::Document& doc, detail::SplitDocument* split,
                                     detail::RowsAhead* ahead, const std::string& path,
                                     Diagnostics& diag, const inventory::NodeChoice& node) {
    const std::size_t errors_before = diag.error_count();
    RuleSet rules;
    rules.file = path;
    const FileName file{path}; // shared by every position of the rules
    const detail::Section top{doc, doc.root(), "the top level", file, diag};
    top.allow_only({"hypervisor", "node", "guest", "management", "logging", "rule"});
    if (!inventory::load_inventory(top, rules.inventory, node)) return std::nullopt;
    const bool logging = detail::load_logging(top, rules.logging);
    if (!detail::load_management(top, rules.inventory, rules.management, *rules.texts) || !logging)
        return std::nullopt;
    if (ahead) rules.rows = detail::take_rows(*ahead);
    detail::management_rows(rules.management, rules.rows, *rules.texts);
    const auto host_names = keep_host_names(rules.inventory, *rules.texts);
    rules.management_rows = rules.rows.size();
    if (split == nullptr) {
        detail::load_rows(top, rules.inventory, host_names, rules.rows, *rules.texts);
    } else if (!detail::load_rows(top, *split, ahead, rules.inventory, host_names, rules.rows,
                                  *rules.texts)) {
        return std::nullopt;
    }
    if (diag.error_count() > errors_before) return std::nullopt;
    for (std::size_t i = 0; i < rules.management_rows; ++i)
        apply_scope(rules.rows[i], rules.inventory, host_names); // load_rows scopes the file's
    return rules;
}

} // namespace

std::optional<RuleSet> load_rules(const std::string& path, Diagnostics& diag,
                                  const inventory::NodeChoice& node) {
    std::error_code size_error;
    const std::uintmax_t file_bytes = std::filesystem::file_size(path, size_error);
    const detail::RowsAheadPtr ahead = detail::start_rows_ahead(size_error ? 0 : file_bytes);
    auto split =
        detail::Document::load_split(path, diag, detail::kRuleArray, detail::kRowsPerPiece);
    if (!split) return std::nullopt;
    detail::RowsAhead* const second = detail::rows_counted(ahead, *split);
    if (split->pieces.empty())
        return load_document(split->head, nullptr, nullptr, path, diag, node);
    // The [[rule]] tables are read as their rows are loaded. What that finds
    // is kept apart: a load that fails, or meets a piece the fast reader
    // declines, is done again from the whole file as before, so a file with
    // anything wrong gets the very messages it always got (a syntax error in
    // toml++'s words, before and instead of any other).
    Diagnostics found;
    if (auto rules = load_document(split->head, &*split, second, path, found, node)) {
        diag.append(std::move(found));
        return rules;
    }
    const auto doc = detail::Document::load(path, diag);
    if (!doc) return std::nullopt;
    return load_document(*doc, nullptr, nullptr, path, diag, node);
}

std::size_t load_heap_bytes(std::uintmax_t file_bytes) {
    // Below this (some 350 rows, any hand-written policy) malloc's own
    // growth costs less than the reservation (0.3 ms for 4 MiB here).
    constexpr std::uintmax_t kSmallFile = 64 * 1024;
    constexpr std::uintmax_t kFixed = 4u << 20;
    constexpr std::uintmax_t kCeiling = 512u << 20;
    if (file_bytes < kSmallFile) return 0;
    if (file_bytes > (kCeiling - kFixed) / 11 * 4) return static_cast<std::size_t>(kCeiling);
    return static_cast<std::size_t>(file_bytes * 11 / 4 + kFixed);
}

std::size_t load_heap_prefault_bytes(std::uintmax_t file_bytes) {
    const std::size_t reserve = load_heap_bytes(file_bytes);
    if (file_bytes >= reserve) return reserve; // and 1.5 times it cannot wrap around
    return std::min(reserve, static_cast<std::size_t>(file_bytes * 3 / 2) + (std::size_t{1} << 20));
}

} // namespace phx::fw

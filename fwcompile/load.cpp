// SPDX-License-Identifier: GPL-3.0-or-later
// The loader's entry point and the value readers both halves share.
#include "fwcompile/load.hpp"

#include "common/suggest.hpp"
#include "fwcompile/load_detail.hpp"
#include "fwcompile/scope.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace phx::fw {
namespace detail {
namespace {

std::optional<Located> item_text(const toml::node& node, std::string_view key,
                                 const TomlSection& s) {
    const SourcePos at = position(s.file(), node.source());
    if (const auto* text = node.as_string()) return Located{text->get(), at};
    if (const auto* number = node.as_integer()) return Located{std::to_string(number->get()), at};
    s.diag().error(at, fmt::format("'{}' in {} must be a string or a number", key, s.name()));
    return std::nullopt;
}

} // namespace

std::optional<std::vector<Located>> scalar_list(const toml::table& table, std::string_view key,
                                                const TomlSection& s) {
    std::vector<Located> out;
    const auto* node = table.get(key);
    if (!node) return out; // not written: the caller's default applies
    const auto* array = node->as_array();
    if (!array) {
        auto item = item_text(*node, key, s);
        if (!item) return std::nullopt;
        out.push_back(std::move(*item));
        return out;
    }
    if (array->empty()) {
        s.diag().error(s.pos_of(key), fmt::format("'{}' in {} is an empty list", key, s.name()));
        return std::nullopt;
    }
    for (const auto& element : *array) {
        auto item = item_text(element, key, s);
        if (!item) return std::nullopt;
        out.push_back(std::move(*item));
    }
    return out;
}

std::optional<Located> scalar(const toml::table& table, std::string_view key, const TomlSection& s,
                              bool required) {
    const auto* node = table.get(key);
    if (!node) {
        if (required) s.diag().error(s.pos(), fmt::format("{} needs '{}'", s.name(), key));
        return std::nullopt;
    }
    return item_text(*node, key, s);
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return out;
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

std::optional<RuleSet> load_rules(const std::string& path, Diagnostics& diag) {
    auto root = load_toml_file(path, diag);
    if (!root) return std::nullopt;
    const std::size_t errors_before = diag.error_count();
    RuleSet rules;
    rules.file = path;
    TomlSection top{*root, "the top level", rules.file, diag};
    top.allow_only({"hypervisor", "guest", "rule"});
    if (!detail::load_inventory(*root, rules.file, rules.inventory, diag)) return std::nullopt;
    detail::load_rows(*root, rules.file, rules.inventory, rules.rows, diag);
    if (diag.error_count() > errors_before) return std::nullopt;
    for (auto& row : rules.rows) row.effective = effective_flow(row, rules.inventory);
    return rules;
}

} // namespace phx::fw

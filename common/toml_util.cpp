// SPDX-License-Identifier: GPL-3.0-or-later
// TOML helpers; see toml_util.hpp for the contract.
#include "common/toml_util.hpp"

#include "common/suggest.hpp"

#include <fmt/format.h>
#include <vector>

namespace phx {

SourcePos position(const std::string& file, const toml::source_region& region) {
    return {file, static_cast<std::uint32_t>(region.begin.line),
            static_cast<std::uint32_t>(region.begin.column)};
}

std::optional<toml::table> load_toml_file(const std::string& path, Diagnostics& diag) {
    try {
        return toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        SourcePos at = position(path, e.source());
        if (at.line == 0) at = {path, 0, 0}; // e.g. the file cannot be opened
        diag.error(at, std::string(e.description()));
        return std::nullopt;
    }
}

TomlSection::TomlSection(const toml::table& table, std::string name, const std::string& file,
                         Diagnostics& diag)
    : table_{table}, name_{std::move(name)}, file_{file}, diag_{diag} {}

void TomlSection::allow_only(std::initializer_list<std::string_view> keys) const {
    const std::vector<std::string_view> allowed(keys);
    for (const auto& [key, value] : table_) {
        bool known = false;
        for (auto k : allowed) known = known || k == key.str();
        if (known) continue;
        diag_.error(position(file_, key.source()),
                    fmt::format("unknown key '{}' in {}{}", key.str(), name_,
                                did_you_mean(key.str(), allowed)));
    }
}

SourcePos TomlSection::pos_of(std::string_view key) const {
    if (const auto* node = table_.get(key)) return position(file_, node->source());
    return pos();
}

void TomlSection::wrong_type(std::string_view key, std::string_view expected) const {
    diag_.error(pos_of(key), fmt::format("'{}' in {} must be {}", key, name_, expected));
}

std::optional<Located> TomlSection::string(std::string_view key, bool required) const {
    const auto* node = table_.get(key);
    if (!node) {
        if (required) diag_.error(pos(), fmt::format("{} needs '{}'", name_, key));
        return std::nullopt;
    }
    if (const auto* s = node->as_string()) return Located{s->get(), pos_of(key)};
    wrong_type(key, "a string");
    return std::nullopt;
}

std::optional<std::int64_t> TomlSection::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    const auto* i = node->as_integer();
    if (!i) {
        wrong_type(key, "an integer");
        return std::nullopt;
    }
    if (i->get() < min || i->get() > max) {
        diag_.error(pos_of(key), fmt::format("'{}' in {} must be between {} and {}, not {}", key,
                                             name_, min, max, i->get()));
        return std::nullopt;
    }
    return i->get();
}

std::optional<bool> TomlSection::boolean(std::string_view key) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    if (const auto* b = node->as_boolean()) return b->get();
    wrong_type(key, "true or false");
    return std::nullopt;
}

std::optional<std::vector<Located>> TomlSection::strings(std::string_view key) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    if (const auto* s = node->as_string()) return std::vector<Located>{{s->get(), pos_of(key)}};
    const auto* arr = node->as_array();
    if (!arr) {
        wrong_type(key, "a string or an array of strings");
        return std::nullopt;
    }
    std::vector<Located> out;
    for (const auto& element : *arr) {
        const auto* s = element.as_string();
        if (!s) {
            diag_.error(position(file_, element.source()),
                        fmt::format("'{}' in {} must hold only strings", key, name_));
            return std::nullopt;
        }
        out.push_back({s->get(), position(file_, element.source())});
    }
    return out;
}

const toml::table* TomlSection::table(std::string_view key) const {
    const auto* node = table_.get(key);
    if (!node) return nullptr;
    if (const auto* t = node->as_table()) return t;
    wrong_type(key, "a table");
    return nullptr;
}

const toml::array* TomlSection::array(std::string_view key) const {
    const auto* node = table_.get(key);
    if (!node) return nullptr;
    if (const auto* a = node->as_array()) return a;
    wrong_type(key, "an array");
    return nullptr;
}

} // namespace phx

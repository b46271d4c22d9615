// SPDX-License-Identifier: GPL-3.0-or-later
// Reading hand-edited TOML with toml++: parse errors, unknown keys and wrong
// types all become Diagnostics with file:line:col, never exceptions.
#pragma once

#include "common/diag.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace phx {

[[nodiscard]] SourcePos position(const std::string& file, const toml::source_region& region);

// Parses `path`; on failure records the parser's message at its position.
[[nodiscard]] std::optional<toml::table> load_toml_file(const std::string& path, Diagnostics& diag);

// A string value together with where it was written.
struct Located {
    std::string value;
    SourcePos at;
};

// One TOML table seen as a config section. Getters report a missing required
// key or a value of the wrong type as an error and return nullopt.
class TomlSection {
public:
    TomlSection(const toml::table& table, std::string name, const std::string& file,
                Diagnostics& diag);

    // Every key not listed is an error at the key, with a suggestion.
    void allow_only(std::initializer_list<std::string_view> keys) const;

    [[nodiscard]] bool has(std::string_view key) const { return table_.contains(key); }
    [[nodiscard]] SourcePos pos() const { return position(file_, table_.source()); }
    [[nodiscard]] SourcePos pos_of(std::string_view key) const; // the value's position

    [[nodiscard]] std::optional<Located> string(std::string_view key, bool required = false) const;
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                                      std::int64_t max) const;
    [[nodiscard]] std::optional<bool> boolean(std::string_view key) const;
    // A string or an array of strings; each element keeps its own position.
    [[nodiscard]] std::optional<std::vector<Located>> strings(std::string_view key) const;
    [[nodiscard]] const toml::table* table(std::string_view key) const;
    [[nodiscard]] const toml::array* array(std::string_view key) const;

    [[nodiscard]] const std::string& file() const { return file_; }
    [[nodiscard]] Diagnostics& diag() const { return diag_; }
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    void wrong_type(std::string_view key, std::string_view expected) const;

    const toml::table& table_;
    std::string name_; // for messages: "[server]", "rule #3"
    const std::string& file_;
    Diagnostics& diag_;
};

} // namespace phx

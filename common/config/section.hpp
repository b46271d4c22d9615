// SPDX-License-Identifier: GPL-3.0-or-later
// One table of a TOML document seen as a section of a configuration:
// getters that report a missing required key or a value of the wrong type
// at its file:line:col and return nothing. phx-fw (rules) and phx-dnsd
// (configuration) both read their files through it, so they speak alike.
#pragma once

#include "common/config/document.hpp"
#include "common/diag.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::config {

// A string value, or an integer as its decimal text, with its position. The
// text lives in the Document.
struct Scalar {
    std::string_view value;
    SourcePos at;
};

class Section {
public:
    // `name` and `number` name the table in messages: "[hypervisor]", or
    // "[[rule]] #3" for the third table of an array (number 3).
    Section(const Document& doc, const Node& table, std::string_view name, const FileName& file,
            Diagnostics& diag, std::size_t number = 0);

    // Every key not listed is an error at the key, with a suggestion.
    void allow_only(std::initializer_list<std::string_view> keys) const;
    // allow_only, and on the same pass over the table each allowed key's
    // value is filed: a look-up given one of these very string_views (the
    // same characters in memory, not only the same text) then reads the
    // filing instead of scanning the table. For tables read once per row of
    // a large file, whose loader asks for each key several times. `keys`
    // (at most kMaxFiledKeys) must outlive the Section.
    static constexpr std::size_t kMaxFiledKeys = 16;
    void file_keys(std::span<const std::string_view> keys);

    [[nodiscard]] bool has(std::string_view key) const { return get(key) != nullptr; }
    [[nodiscard]] const Node* get(std::string_view key) const;
    [[nodiscard]] SourcePos pos() const { return at(table_); }
    [[nodiscard]] SourcePos pos_of(std::string_view key) const; // the value's, else the table's
    [[nodiscard]] SourcePos at(const Node& value) const {
        return {file_, value.at.line, value.at.column};
    }
    // A string or integer value as text, with its position.
    [[nodiscard]] Scalar scalar(const Node& value) const { return {doc_.text(value), at(value)}; }

    [[nodiscard]] std::optional<Scalar> string(std::string_view key, bool required = false) const;
    [[nodiscard]] std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                                      std::int64_t max) const;
    [[nodiscard]] std::optional<bool> boolean(std::string_view key) const;
    // A string or an array of strings; each element keeps its own position.
    [[nodiscard]] std::optional<std::vector<Scalar>> strings(std::string_view key) const;
    [[nodiscard]] const Node* table(std::string_view key) const;
    [[nodiscard]] const Node* array(std::string_view key) const;

    [[nodiscard]] const Document& doc() const { return doc_; }
    [[nodiscard]] const FileName& file() const { return file_; }
    [[nodiscard]] Diagnostics& diag() const { return diag_; }
    // Made only for a message: a large file has a section per row.
    [[nodiscard]] std::string name() const;

private:
    void wrong_type(std::string_view key, std::string_view expected) const;
    [[nodiscard]] std::vector<const Entry*> file_entries(std::span<const std::string_view> keys,
                                                         const Node** filed) const;
    void report_unknown(std::vector<const Entry*> unknown,
                        std::span<const std::string_view> allowed) const;

    const Document& doc_;
    const Node& table_;
    std::string_view name_;
    const FileName& file_;
    Diagnostics& diag_;
    std::size_t number_;
    std::span<const std::string_view> filed_keys_;
    std::array<const Node*, kMaxFiledKeys> filed_{};
    // Where the next look-up of a filed key starts: the loader asks for the
    // keys mostly in the order they are listed, so the first try hits.
    mutable std::size_t next_filed_ = 0;
};

} // namespace phx::config

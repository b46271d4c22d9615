// SPDX-License-Identifier: GPL-3.0-or-later
// Section getters; see section.hpp.
#include "common/config/section.hpp"

#include "common/suggest.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <stdexcept>
#include <vector>

namespace phx::config {
namespace {

// The place after i in [0, size), round to 0 after the last.
std::size_t after(std::size_t i, std::size_t size) {
    return i + 1 == size ? 0 : i + 1;
}

// The first i in [0, size) that matches, looking from `start` and round;
// `size` when none does. Filing and look-ups both search so, from the
// place after their last find: the loader asks for keys in the order it
// lists them, and files keep that order, so the first try mostly hits.
template <typename Matches>
std::size_t find_round(std::size_t start, std::size_t size, Matches matches) {
    for (std::size_t n = 0, i = start; n < size; ++n, i = after(i, size))
        if (matches(i)) return i;
    return size;
}

} // namespace

Section::Section(const Document& doc, const Node& table, std::string_view name,
                 const FileName& file, Diagnostics& diag, std::size_t number)
    : doc_{doc}, table_{table}, name_{name}, file_{file}, diag_{diag}, number_{number} {}

std::string Section::name() const {
    if (number_ == 0) return std::string{name_};
    return fmt::format("{} #{}", name_, number_);
}

void Section::allow_only(std::initializer_list<std::string_view> keys) const {
    report_unknown(file_entries({keys.begin(), keys.size()}, nullptr), {keys.begin(), keys.size()});
}

void Section::file_keys(std::span<const std::string_view> keys) {
    if (keys.size() > kMaxFiledKeys) throw std::logic_error("Section::file_keys: too many keys");
    filed_keys_ = keys;
    next_filed_ = 0;
    filed_.fill(nullptr);
    report_unknown(file_entries(keys, filed_.data()), keys);
}

// One pass over the table: each entry whose key is among `keys` goes into
// filed[its place] (when filed is given), the others are returned.
std::vector<const Entry*> Section::file_entries(std::span<const std::string_view> keys,
                                                const Node** filed) const {
    std::vector<const Entry*> unknown;
    std::size_t start = 0;
    for (const auto& entry : doc_.entries(table_)) {
        const std::size_t slot = find_round(
            start, keys.size(), [&](std::size_t k) { return doc_.is_key(entry, keys[k]); });
        if (slot == keys.size()) {
            unknown.push_back(&entry);
            continue;
        }
        if (filed) filed[slot] = &entry.value;
        start = after(slot, keys.size());
    }
    return unknown;
}

// Reported in key order, as toml++ (which keeps a table sorted) lists them.
void Section::report_unknown(std::vector<const Entry*> unknown,
                             std::span<const std::string_view> allowed) const {
    if (unknown.empty()) return;
    std::sort(unknown.begin(), unknown.end(),
              [&](const Entry* a, const Entry* b) { return doc_.key(*a) < doc_.key(*b); });
    const std::vector<std::string_view> candidates(allowed.begin(), allowed.end());
    for (const Entry* entry : unknown) {
        const std::string_view key = doc_.key(*entry);
        diag_.error(
            {file_, entry->key_at.line, entry->key_at.column},
            fmt::format("unknown key '{}' in {}{}", key, name(), did_you_mean(key, candidates)));
    }
}

const Node* Section::get(std::string_view key) const {
    const std::size_t filed = filed_keys_.size();
    const std::size_t i = find_round(next_filed_, filed, [&](std::size_t k) {
        return filed_keys_[k].data() == key.data() && filed_keys_[k].size() == key.size();
    });
    if (i < filed) {
        next_filed_ = after(i, filed);
        return filed_[i];
    }
    const Entry* entry = doc_.find(table_, key);
    return entry ? &entry->value : nullptr;
}

SourcePos Section::pos_of(std::string_view key) const {
    if (const Node* node = get(key)) return at(*node);
    return pos();
}

void Section::wrong_type(std::string_view key, std::string_view expected) const {
    diag_.error(pos_of(key), fmt::format("'{}' in {} must be {}", key, name(), expected));
}

std::optional<Scalar> Section::string(std::string_view key, bool required) const {
    const Node* node = get(key);
    if (!node) {
        if (required) diag_.error(pos(), fmt::format("{} needs '{}'", name(), key));
        return std::nullopt;
    }
    if (node->kind == NodeKind::string) return Scalar{doc_.text(*node), at(*node)};
    wrong_type(key, "a string");
    return std::nullopt;
}

std::optional<std::int64_t> Section::integer(std::string_view key, std::int64_t min,
                                             std::int64_t max) const {
    const Node* node = get(key);
    if (!node) return std::nullopt;
    if (node->kind != NodeKind::integer) {
        wrong_type(key, "an integer");
        return std::nullopt;
    }
    const std::int64_t value = doc_.integer(*node);
    if (value < min || value > max) {
        diag_.error(at(*node), fmt::format("'{}' in {} must be between {} and {}, not {}", key,
                                           name(), min, max, value));
        return std::nullopt;
    }
    return value;
}

std::optional<bool> Section::boolean(std::string_view key) const {
    const Node* node = get(key);
    if (!node) return std::nullopt;
    if (node->kind == NodeKind::boolean) return doc_.boolean(*node);
    wrong_type(key, "true or false");
    return std::nullopt;
}

std::optional<std::vector<Scalar>> Section::strings(std::string_view key) const {
    const Node* node = get(key);
    if (!node) return std::nullopt;
    if (node->kind == NodeKind::string) return std::vector<Scalar>{scalar(*node)};
    if (node->kind != NodeKind::array) {
        wrong_type(key, "a string or an array of strings");
        return std::nullopt;
    }
    std::vector<Scalar> out;
    for (const Node& item : doc_.items(*node)) {
        if (item.kind != NodeKind::string) {
            diag_.error(at(item), fmt::format("'{}' in {} must hold only strings", key, name()));
            return std::nullopt;
        }
        out.push_back(scalar(item));
    }
    return out;
}

const Node* Section::table(std::string_view key) const {
    const Node* node = get(key);
    if (!node || node->kind == NodeKind::table) return node;
    wrong_type(key, "a table");
    return nullptr;
}

const Node* Section::array(std::string_view key) const {
    const Node* node = get(key);
    if (!node || node->kind == NodeKind::array) return node;
    wrong_type(key, "an array");
    return nullptr;
}

} // namespace phx::config

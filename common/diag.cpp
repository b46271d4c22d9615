// SPDX-License-Identifier: GPL-3.0-or-later
// Formatting of diagnostics in the compiler style editors understand.
#include "common/diag.hpp"

#include <fmt/format.h>
#include <iterator>
#include <mutex>
#include <unordered_set>

namespace phx {

namespace {

struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

const std::string* intern(std::string_view name) {
    if (name.empty()) return nullptr;
    static std::mutex mutex;
    // Never destroyed, so a position stays valid even in a static destructor.
    static auto* names = new std::unordered_set<std::string, NameHash, std::equal_to<>>;
    const std::lock_guard lock{mutex};
    auto it = names->find(name);
    if (it == names->end()) it = names->emplace(name).first;
    return &*it; // nodes of an unordered_set never move
}

} // namespace

FileName::FileName(std::string_view name) : name_{intern(name)} {}

const std::string& FileName::str() const noexcept {
    static const std::string kNone;
    return name_ ? *name_ : kNone;
}

std::string SourcePos::to_string() const {
    if (line == 0) return file.str();
    if (column == 0) return fmt::format("{}:{}", file.str(), line);
    return fmt::format("{}:{}:{}", file.str(), line, column);
}

std::string Diagnostic::to_string() const {
    return fmt::format("{}: {}: {}", at.to_string(),
                       severity == Severity::error ? "error" : "warning", message);
}

void Diagnostics::error(SourcePos at, std::string message) {
    all_.push_back({Severity::error, std::move(at), std::move(message)});
    ++errors_;
}

void Diagnostics::warning(SourcePos at, std::string message) {
    all_.push_back({Severity::warning, std::move(at), std::move(message)});
}

void Diagnostics::append(Diagnostics&& other) {
    all_.insert(all_.end(), std::make_move_iterator(other.all_.begin()),
                std::make_move_iterator(other.all_.end()));
    errors_ += other.errors_;
    other.all_.clear();
    other.errors_ = 0;
}

std::string Diagnostics::to_string() const {
    std::string out;
    for (const auto& d : all_) {
        out += d.to_string();
        out += '\n';
    }
    return out;
}

void Diagnostics::print(std::FILE* out) const {
    std::fputs(to_string().c_str(), out);
}

} // namespace phx

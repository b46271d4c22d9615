// SPDX-License-Identifier: GPL-3.0-or-later
// Diagnostics for human-written input (config, zone and rule files): every
// problem is collected with its source position, then reported together.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace phx {

// The name of a file the user wrote, interned: every position in that file
// shares one copy of the name, so copying a position (a large rules file
// yields hundreds of thousands) copies a pointer. Names are kept for the
// life of the process; a program reads a handful of files.
class FileName {
public:
    FileName() = default;
    // Implicit, so positions are still written {"rules.toml", 3, 7}.
    FileName(std::string_view name);
    FileName(const std::string& name) : FileName(std::string_view{name}) {}
    FileName(const char* name) : FileName(std::string_view{name}) {}

    [[nodiscard]] const std::string& str() const noexcept;
    [[nodiscard]] bool empty() const noexcept { return name_ == nullptr; }

    // Interned: equal names are the same pointer.
    friend bool operator==(const FileName&, const FileName&) = default;

private:
    const std::string* name_ = nullptr; // null: no name
};

// A position in a file the user wrote. line and column count from 1; 0 means
// "unknown" and is left out when printed.
struct SourcePos {
    FileName file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;

    [[nodiscard]] std::string to_string() const; // "file:line:col", "file:line" or "file"
    friend bool operator==(const SourcePos&, const SourcePos&) = default;
};

enum class Severity { error, warning };

struct Diagnostic {
    Severity severity;
    SourcePos at;
    std::string message;

    [[nodiscard]] std::string to_string() const; // "file:line:col: error: message"
};

// Collects problems; never throws. Callers check failed() before using
// anything built from the input.
class Diagnostics {
public:
    void error(SourcePos at, std::string message);
    void warning(SourcePos at, std::string message);
    // Appends what `other` found, after what this one has.
    void append(Diagnostics&& other);

    [[nodiscard]] bool failed() const noexcept { return errors_ > 0; }
    [[nodiscard]] std::size_t error_count() const noexcept { return errors_; }
    [[nodiscard]] std::size_t warning_count() const noexcept { return all_.size() - errors_; }
    [[nodiscard]] const std::vector<Diagnostic>& all() const noexcept { return all_; }

    // One line per diagnostic, in the order they were found.
    [[nodiscard]] std::string to_string() const;
    void print(std::FILE* out) const;

private:
    std::vector<Diagnostic> all_;
    std::size_t errors_ = 0;
};

} // namespace phx

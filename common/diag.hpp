// SPDX-License-Identifier: GPL-3.0-or-later
// Diagnostics for human-written input (config, zone and rule files): every
// problem is collected with its source position, then reported together.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace phx {

// A position in a file the user wrote. line and column count from 1; 0 means
// "unknown" and is left out when printed.
struct SourcePos {
    std::string file;
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

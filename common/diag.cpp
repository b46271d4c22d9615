// SPDX-License-Identifier: GPL-3.0-or-later
// Formatting of diagnostics in the compiler style editors understand.
#include "common/diag.hpp"

#include <fmt/format.h>

namespace phx {

std::string SourcePos::to_string() const {
    if (line == 0) return file;
    if (column == 0) return fmt::format("{}:{}", file, line);
    return fmt::format("{}:{}:{}", file, line, column);
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

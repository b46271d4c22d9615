// SPDX-License-Identifier: GPL-3.0-or-later
// Log lines are written with one fwrite each, so lines from several worker
// threads never interleave inside a line.
#include "common/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace phx::log {
namespace {

std::string program = "phx";

std::string_view level_name(Level level) {
    switch (level) {
    case Level::error:
        return "error";
    case Level::warning:
        return "warning";
    case Level::info:
        return "info";
    case Level::debug:
        return "debug";
    }
    return "info";
}

} // namespace

void set_program(std::string_view name) {
    program = name;
}

void write(Level level, std::string_view message) {
    static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
    std::string line = journal ? fmt::format("<{}>{}\n", static_cast<int>(level), message)
                               : fmt::format("{}: {}: {}\n", program, level_name(level), message);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

} // namespace phx::log

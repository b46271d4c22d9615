// SPDX-License-Identifier: GPL-3.0-or-later
// One line per event on stderr. Under systemd (JOURNAL_STREAM set) each line
// carries a syslog priority prefix, so journald records the right level.
#pragma once

#include <fmt/format.h>
#include <string_view>

namespace phx::log {

enum class Level { error = 3, warning = 4, info = 6, debug = 7 };

void set_program(std::string_view name); // shown before each line on a terminal
void write(Level level, std::string_view message);

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
    write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}

} // namespace phx::log

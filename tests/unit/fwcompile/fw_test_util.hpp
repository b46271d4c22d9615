// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for phx-fw's unit tests: rules files in temporary files, and a
// small inventory most tests start from.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/analyse/lint.hpp"
#include "fwcompile/load/load.hpp"
#include "unit/temp_file.hpp"

#include <optional>
#include <string>

namespace phx::fw::test {

using phx::test::TempFile; // rules files under /tmp, removed when the object goes away

// Lines 1-23: the hypervisor and three guests.
inline const std::string kInventory = R"([hypervisor]
name = "pve"
address = "10.0.0.13"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[guest]]
id = 101
kind = "lxc"
name = "nginx"
address = "10.0.0.153"

[[guest]]
id = 102
kind = "lxc"
name = "traefik"
address = "10.0.0.12"

[[guest]]
id = 1001
kind = "vm"
name = "portainer"
address = "10.0.0.111"
)";

// The first line after kInventory.
inline constexpr int kFirstRowLine = 24;

// Loads kInventory followed by `rows`; the diagnostics with the temporary
// file's name replaced by "rules.toml", so tests can spell them out.
struct Loaded {
    std::optional<RuleSet> rules;
    std::string messages;
};

inline std::string with_file_name(std::string text, const std::string& path) {
    for (auto at = text.find(path); at != std::string::npos; at = text.find(path, at))
        text.replace(at, path.size(), "rules.toml");
    return text;
}

// With `lint`, the linter's warnings follow the loader's messages.
inline Loaded load_text(const std::string& text, bool lint_too = false) {
    TempFile file{text};
    Diagnostics diag;
    Loaded out;
    out.rules = load_rules(file.path(), diag);
    if (out.rules && lint_too) lint(*out.rules, diag);
    out.messages = with_file_name(diag.to_string(), file.path());
    return out;
}

inline Loaded load_rows(const std::string& rows, bool lint_too = false) {
    return load_text(kInventory + rows, lint_too);
}

} // namespace phx::fw::test

// SPDX-License-Identifier: GPL-3.0-or-later
// Loading the rules file and resolving --host, shared by the subcommands.
#pragma once

#include "fwcompile/analyse/place.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>

namespace phx::fw::cli {

struct Loaded {
    RuleSet rules;
    Target target;
    [[nodiscard]] std::string
    target_name() const; // "the hypervisor target", "host nginx (10.0.0.153)"
};

// Prints every diagnostic to stderr; nullopt when the file has errors or
// --host names no host.
[[nodiscard]] std::optional<Loaded> load_for(const Options& o);

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// Loading the rules file and resolving --host, shared by the subcommands.
#pragma once

#include "fwcompile/analyse/place.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <string>

namespace phx::fw::cli {

// The node of a cluster the rules are loaded for: --node, or this
// machine's addresses and host name (inventory::NodeChoice).
[[nodiscard]] inventory::NodeChoice node_choice(const Options& o);

// "cluster: this is node pve2 (10.0.0.14) of 3, by its address on this
// machine"; "" for a file without [[node]]s.
[[nodiscard]] std::string node_line(const Inventory& inventory);

struct Loaded {
    RuleSet rules;
    Target target;
    [[nodiscard]] std::string
    target_name() const; // "the hypervisor target", "host nginx (10.0.0.153)"
};

// Whether the command exits once it has done its work (most) or keeps
// running (watch): a large file is loaded with malloc settings that suit
// only the first (load_target.cpp).
enum class Lifetime { exits_when_done, keeps_running };

// Prints every diagnostic to stderr; nullopt when the file has errors,
// --host names no host, or no --rules was given and the installed file is
// missing (which it says).
[[nodiscard]] std::optional<Loaded> load_for(const Options& o,
                                             Lifetime lifetime = Lifetime::exits_when_done);

// False (after saying so) when no --rules was given and the installed
// rules file does not exist.
[[nodiscard]] bool rules_file_usable(const Options& o);

// "phx-fw: rules /etc/phoenix/rules.toml, the hypervisor target": what a
// command that touches the kernel works from.
void print_source(const Options& o, const Loaded& loaded);

} // namespace phx::fw::cli

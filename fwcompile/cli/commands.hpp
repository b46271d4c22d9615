// SPDX-License-Identifier: GPL-3.0-or-later
// The phx-fw subcommands. Each returns the process exit code and prints its
// own output; main() only parses the command line.
#pragma once

#include <string>

namespace phx::fw::cli {

// Where the rules are when --rules is not given: ./rules/phoenix.toml if it
// exists (a checkout), else the installed /etc/phoenix/rules.toml.
[[nodiscard]] std::string default_rules_file();

struct Options {
    std::string rules;                               // --rules
    std::string host;                                // --host; empty: the hypervisor target
    bool dry_run = false;                            // apply --dry-run
    std::string source, destination, protocol, port; // explain
};

// Exit codes: 0 success, 1 failure (errors in the rules, refused by the
// kernel); diff: 0 no change, 1 changes pending, 2 failure.
int check(const Options& o);
int show(const Options& o);
int explain(const Options& o);
int diff(const Options& o);
int apply(const Options& o);
int list(const Options& o);
int flush(const Options& o);

} // namespace phx::fw::cli

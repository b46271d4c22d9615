// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that need no kernel: check, show, explain, graph.
#include "fwcompile/analyse/lint.hpp"
#include "fwcompile/cli/atomic_write.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/load_target.hpp"
#include "fwcompile/load/load.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/nft_text.hpp"
#include "fwcompile/views/explain.hpp"
#include "fwcompile/views/graph.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <system_error>

namespace phx::fw::cli {

namespace {

// "3 [management] rows" or "[management] turned off".
std::string management_summary(const RuleSet& rules) {
    if (!rules.management.enabled) return "[management] turned off";
    return fmt::format("{} [management] rows", rules.management_rows);
}

} // namespace

int check(const Options& o) {
    if (!rules_file_usable(o)) return kFailed;
    Diagnostics diag;
    auto rules = load_rules(o.rules, diag, node_choice(o));
    if (rules) lint(*rules, diag);
    diag.print(stderr);
    if (!rules) {
        fmt::print("{}: {} error(s), {} warning(s)\n", o.rules, diag.error_count(),
                   diag.warning_count());
        return kFailed;
    }
    fmt::print("{}: {} hosts, {} rows and {}: 0 error(s), {} warning(s)\n{}\n", o.rules,
               rules->inventory.hosts.size(), rules->file_rows().size(), management_summary(*rules),
               diag.warning_count(), scope_text(*rules));
    if (const std::string node = node_line(rules->inventory); !node.empty())
        fmt::print("{}\n", node);
    return kOk;
}

int show(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return kFailed;
    if (loaded->target.host)
        fmt::print(stderr,
                   "phx-fw: note: {}'s own chains trust source addresses; only the "
                   "hypervisor target binds each guest's address to its bridge port\n",
                   loaded->rules.inventory.hosts[*loaded->target.host].name);
    std::fputs(to_nft_text(lower(loaded->rules, loaded->target)).c_str(), stdout);
    return kOk;
}

int explain(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return 1;
    Diagnostics diag;
    const auto packet =
        parse_packet(o.source, o.destination, o.protocol, o.port, loaded->rules.inventory, diag);
    diag.print(stderr);
    if (!packet) return 1;
    std::fputs(format_explanation(loaded->rules, fw::explain(loaded->rules, *packet)).c_str(),
               stdout);
    return 0;
}

int graph(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return 1;
    const std::string title = std::filesystem::path{o.rules}.filename().string();
    std::fputs(policy_graph(loaded->rules, title).c_str(), stdout);
    return 0;
}

} // namespace phx::fw::cli

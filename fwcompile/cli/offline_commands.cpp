// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that need no kernel: check, show, explain.
#include "fwcompile/check.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/load_target.hpp"
#include "fwcompile/explain.hpp"
#include "fwcompile/load.hpp"
#include "fwcompile/lower.hpp"
#include "fwcompile/nft_text.hpp"

#include <cstdio>
#include <fmt/format.h>

namespace phx::fw::cli {

int check(const Options& o) {
    Diagnostics diag;
    auto rules = load_rules(o.rules, diag);
    if (rules) lint(*rules, diag);
    diag.print(stderr);
    if (rules)
        fmt::print("{}: {} hosts, {} rows: {} error(s), {} warning(s)\n", o.rules,
                   rules->inventory.hosts.size(), rules->rows.size(), diag.error_count(),
                   diag.warning_count());
    else
        fmt::print("{}: {} error(s), {} warning(s)\n", o.rules, diag.error_count(),
                   diag.warning_count());
    return diag.failed() ? 1 : 0;
}

int show(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return 1;
    std::fputs(to_nft_text(lower(loaded->rules, loaded->target)).c_str(), stdout);
    return 0;
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

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// Rules file and target for a subcommand; see load_target.hpp.
#include "fwcompile/cli/load_target.hpp"

#include "common/suggest.hpp"
#include "fwcompile/load/load.hpp"
#include "fwcompile/lower/lower.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>

namespace phx::fw::cli {

std::string Loaded::target_name() const {
    return fw::target_name(rules, target);
}

void print_source(const Options& o, const Loaded& loaded) {
    fmt::print(stderr, "phx-fw: rules {}, {}\n", o.rules, loaded.target_name());
}

bool rules_file_usable(const Options& o) {
    if (o.rules_given || std::filesystem::exists(o.rules)) return true;
    fmt::print(stderr,
               "phx-fw: no --rules given, and the installed rules file {} does not exist: "
               "pass --rules FILE\n",
               o.rules);
    return false;
}

std::optional<Loaded> load_for(const Options& o) {
    if (!rules_file_usable(o)) return std::nullopt;
    Diagnostics diag;
    auto rules = load_rules(o.rules, diag);
    diag.print(stderr);
    if (!rules) {
        std::fprintf(stderr, "phx-fw: %zu error(s) in %s; nothing was done\n", diag.error_count(),
                     o.rules.c_str());
        return std::nullopt;
    }
    Loaded loaded{std::move(*rules), {}};
    if (o.host.empty()) return loaded;
    loaded.target.host = loaded.rules.inventory.find(o.host);
    if (!loaded.target.host) {
        std::vector<std::string_view> names;
        for (const auto& h : loaded.rules.inventory.hosts) names.push_back(h.name);
        std::fprintf(
            stderr,
            "phx-fw: --host '%s' is not a host of %s: give a name, Proxmox id or address%s\n",
            o.host.c_str(), o.rules.c_str(), did_you_mean(o.host, names).c_str());
        return std::nullopt;
    }
    return loaded;
}

} // namespace phx::fw::cli

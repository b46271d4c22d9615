// SPDX-License-Identifier: GPL-3.0-or-later
// Rules file and target for a subcommand; see load_target.hpp.
#include "fwcompile/cli/load_target.hpp"

#include "common/suggest.hpp"
#include "fwcompile/load/load.hpp"

#include <cstdio>
#include <filesystem>
#include <fmt/format.h>

namespace phx::fw::cli {

std::string default_rules_file() {
    const std::string checkout = "rules/phoenix.toml";
    if (std::filesystem::exists(checkout)) return checkout;
    return "/etc/phoenix/rules.toml";
}

std::string Loaded::target_name() const {
    if (!target.host) return "the hypervisor target";
    return "host " + rules.inventory.describe(*target.host);
}

std::optional<Loaded> load_for(const Options& o) {
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

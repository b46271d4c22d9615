// SPDX-License-Identifier: GPL-3.0-or-later
// check --dns: the inventory against phx-dnsd's zones, loaded by phx-dnsd's
// own code with this rules file as the inventory, so what is checked here is
// exactly what phx-dnsd would refuse or warn about at its next reload.
#include "dnsd/config.hpp"
#include "dnsd/served_zones.hpp"
#include "fwcompile/cli/commands.hpp"

#include <fmt/format.h>

namespace phx::fw::cli {

int check_dns(const Options& o) {
    Diagnostics diag;
    auto config = dns::load_dnsd_config(o.dns, diag);
    std::shared_ptr<const dns::ZoneSet> zones;
    if (config) {
        if (!config->inventory) config->inventory.emplace();
        config->inventory->file = o.rules;
        config->inventory->at = {"--rules"};
        zones = dns::load_served_zones(*config, diag);
    }
    diag.print(stderr);
    fmt::print("{}: {} zone(s) with the names of {}: {} error(s), {} warning(s)\n", o.dns,
               zones ? zones->zones().size() : 0, o.rules, diag.error_count(),
               diag.warning_count());
    return zones && !diag.failed() ? kOk : kFailed;
}

} // namespace phx::fw::cli

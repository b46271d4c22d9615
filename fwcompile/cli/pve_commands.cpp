// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that read Proxmox's own guest list: check --pve (the
// inventory against it) and inventory --pve (an inventory printed from it).
#include "common/inventory/inventory.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/pve/compare.hpp"
#include "fwcompile/pve/inventory_places.hpp"
#include "fwcompile/pve/inventory_text.hpp"
#include "fwcompile/pve/read_configs.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <optional>

namespace phx::fw::cli {

namespace {

std::string pve_dir(const Options& o) {
    return o.pve.empty() ? kProxmoxDir : o.pve;
}

// "9 guests (7 containers, 2 VMs)"
std::string guest_count(const std::vector<pve::GuestConfig>& guests) {
    const auto vms = std::count_if(guests.begin(), guests.end(), [](const pve::GuestConfig& g) {
        return g.kind == inventory::HostKind::vm;
    });
    return fmt::format("{} guests ({} containers, {} VMs)", guests.size(),
                       static_cast<std::ptrdiff_t>(guests.size()) - vms, vms);
}

// The comparison, after check has said what it thinks of the rules file.
int compare_with_proxmox(const Options& o, const inventory::Inventory& inventory,
                         const pve::InventoryPlaces& places) {
    const std::string dir = pve_dir(o);
    Diagnostics diag;
    std::vector<pve::Note> notes;
    const auto guests = pve::read_guest_configs(dir, diag);
    if (guests) pve::compare(inventory, places, *guests, dir, diag, notes);
    diag.print(stderr);
    for (const auto& note : notes) fmt::print(stderr, "{}\n", note.to_string());
    fmt::print("{}: {} compared with the inventory: {} error(s), {} warning(s), {} note(s)\n", dir,
               guests ? guest_count(*guests) : "no guests", diag.error_count(),
               diag.warning_count(), notes.size());
    return diag.failed() ? kFailed : kOk;
}

} // namespace

int check_pve(const Options& o) {
    const int rules = check(o);
    // The rows may be broken while the inventory is fine: compare it anyway.
    // The file's own errors were printed by check.
    Diagnostics already_reported;
    const auto doc = config::Document::load(o.rules, already_reported);
    if (!doc) return kFailed;
    const FileName file{o.rules};
    inventory::Inventory inventory;
    if (!inventory::load_inventory({*doc, doc->root(), "the top level", file, already_reported},
                                   inventory))
        return kFailed;
    const int proxmox = compare_with_proxmox(o, inventory, pve::inventory_places(*doc, file));
    return rules == kOk && proxmox == kOk ? kOk : kFailed;
}

int inventory(const Options& o) {
    const std::string dir = pve_dir(o);
    Diagnostics diag;
    std::optional<inventory::Inventory> existing;
    if (o.rules_given) existing = inventory::load_inventory_file(o.rules, diag);
    const auto guests = pve::read_guest_configs(dir, diag);
    diag.print(stderr);
    if (!guests || diag.failed()) {
        fmt::print(stderr, "phx-fw: {} error(s); no inventory was printed\n", diag.error_count());
        return kFailed;
    }
    std::fputs(pve::inventory_text(*guests, dir, existing ? &*existing : nullptr).c_str(), stdout);
    return kOk;
}

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// Helpers for the tests of fwcompile/pve: an inventory read from text as
// "rules.toml", with the places of its keys, and Proxmox files from text.
#pragma once

#include "common/config/document.hpp"
#include "common/config/section.hpp"
#include "common/inventory/inventory.hpp"
#include "fwcompile/pve/guest_config.hpp"
#include "fwcompile/pve/inventory_places.hpp"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <string>

namespace phx::fw::pve::test {

struct LoadedInventory {
    inventory::Inventory inventory;
    InventoryPlaces places;
};

// The text must be a valid inventory: a test that gets this wrong stops.
inline LoadedInventory load_inventory_text(const std::string& text) {
    Diagnostics diag;
    const FileName file{"rules.toml"};
    const auto doc = config::Document::parse(text, file.str(), diag);
    LoadedInventory out;
    if (!doc || !inventory::load_inventory({*doc, doc->root(), "the top level", file, diag},
                                           out.inventory)) {
        std::fputs(diag.to_string().c_str(), stderr);
        std::abort();
    }
    out.places = inventory_places(*doc, file);
    return out;
}

inline GuestConfig container(std::uint32_t id, const std::string& text) {
    Diagnostics ignored;
    return parse_guest_config(text, fmt::format("/etc/pve/lxc/{}.conf", id), id, HostKind::lxc,
                              ignored);
}

inline GuestConfig vm(std::uint32_t id, const std::string& text) {
    Diagnostics ignored;
    return parse_guest_config(text, fmt::format("/etc/pve/qemu-server/{}.conf", id), id,
                              HostKind::vm, ignored);
}

} // namespace phx::fw::pve::test

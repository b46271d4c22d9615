// SPDX-License-Identifier: GPL-3.0-or-later
// Where the rules file writes each guest's keys, so that a difference from
// Proxmox points at the very value that differs ("rules.toml:35:11: ...
// address ..."). The inventory keeps one position per host, its table's;
// this reads the rest from the file's tree.
#pragma once

#include "common/config/document.hpp"
#include "common/diag.hpp"
#include "common/inventory/inventory.hpp"

#include <cstdint>
#include <unordered_map>

namespace phx::fw::pve {

// A key the table does not write (a guest without mac) has the table's position.
struct GuestPlaces {
    SourcePos table, id, kind, name, address, port, mac;
};

struct InventoryPlaces {
    SourcePos bridge;                                      // [hypervisor] bridge
    std::unordered_map<std::uint32_t, GuestPlaces> guests; // by id

    // A guest's places; all of them its table's (guest.at) when unknown.
    [[nodiscard]] GuestPlaces of(const inventory::Host& guest) const;
};

[[nodiscard]] InventoryPlaces inventory_places(const config::Document& doc, const FileName& file);

} // namespace phx::fw::pve

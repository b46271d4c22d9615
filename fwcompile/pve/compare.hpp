// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory against Proxmox's own guest list: every difference, at its
// place in the rules file or in Proxmox's file, naming the other side.
#pragma once

#include "common/diag.hpp"
#include "common/inventory/inventory.hpp"
#include "fwcompile/pve/guest_config.hpp"
#include "fwcompile/pve/inventory_places.hpp"

#include <string>
#include <vector>

namespace phx::fw::pve {

// Neither an error nor a warning: something to know, or to add ("the
// inventory could bind this guest's MAC too").
struct Note {
    SourcePos at;
    std::string message;
    [[nodiscard]] std::string to_string() const; // "file:line:col: note: message"
};

// Guests are matched by id. Errors, because the binding or the rows would be
// wrong: a guest on one side only (a Proxmox guest on none of the
// inventory's bridges only warns: its traffic is not phx-fw's), a different
// kind, address or MAC, a bound device on a bridge the inventory does not
// list, or no device where the inventory's port is. Warnings: a different
// name, firewall=1 on the bound device (its port is then fwpr<ID>p<N>), a
// second device on one of the inventory's bridges (unbound). Notes: an
// address Proxmox does not know (DHCP, a VM without cloud-init), a MAC the
// inventory could bind. `guests` is ordered by id (read_guest_configs),
// `pve_dir` where they were read; output is in id order.
void compare(const inventory::Inventory& inventory, const InventoryPlaces& places,
             const std::vector<GuestConfig>& guests, const std::string& pve_dir, Diagnostics& diag,
             std::vector<Note>& notes);

} // namespace phx::fw::pve

// SPDX-License-Identifier: GPL-3.0-or-later
// A starting inventory printed from Proxmox's guest configurations
// (`phx-fw inventory --pve`): TOML that `phx-fw check` accepts once the
// hypervisor's address is filled in and the rows are added.
#pragma once

#include "common/inventory/inventory.hpp"
#include "fwcompile/pve/guest_config.hpp"

#include <string>
#include <vector>

namespace phx::fw::pve {

// One [[guest]] per guest of `guests` (ordered by id) with id, kind, name,
// address, mac, and port only where Proxmox's differs from the default;
// what Proxmox does not say (an address given by DHCP) is a comment to
// act on. Names are made valid inventory names where lower-casing or the
// first label of a domain name does it, else replaced, saying so.
// With `existing` (an inventory already written), its [hypervisor] is kept
// and guests outside its networks or bridges are left out with a comment;
// without, [hypervisor] holds the network and bridges the guests use and a
// comment asking for the hypervisor's address. `pve_dir` is named in the
// header.
[[nodiscard]] std::string inventory_text(const std::vector<GuestConfig>& guests,
                                         const std::string& pve_dir,
                                         const inventory::Inventory* existing);

} // namespace phx::fw::pve

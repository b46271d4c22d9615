// SPDX-License-Identifier: GPL-3.0-or-later
// Proxmox's guest names as inventory names. A container's hostname may be
// a full domain name and either kind may use capitals; the inventory wants
// one label of a-z, 0-9 and '-' starting with a letter (common/inventory).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace phx::fw::pve {

// "Nginx" -> "nginx", "nginx.internal.example" -> "nginx"; nullopt when
// lower-casing and taking the first label do not give a valid name
// ("web_1", "1st", "any").
[[nodiscard]] std::optional<std::string> inventory_name(std::string_view proxmox_name);

} // namespace phx::fw::pve

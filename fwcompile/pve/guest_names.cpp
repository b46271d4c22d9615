// SPDX-License-Identifier: GPL-3.0-or-later
// Proxmox guest names as inventory names; see guest_names.hpp.
#include "fwcompile/pve/guest_names.hpp"

#include <algorithm>

namespace phx::fw::pve {

namespace {

bool is_lower(char c) {
    return c >= 'a' && c <= 'z';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// The rule the inventory loader applies (common/inventory/load.cpp).
bool valid_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || !is_lower(name.front())) return false;
    if (name == "any" || name == "global") return false; // they mean something in a row
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return is_lower(c) || is_digit(c) || c == '-'; });
}

} // namespace

std::optional<std::string> inventory_name(std::string_view proxmox_name) {
    std::string name{proxmox_name.substr(0, proxmox_name.find('.'))};
    // ASCII only, and the C locale is never changed: this is tolower.
    std::transform(name.begin(), name.end(), name.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    if (!valid_name(name)) return std::nullopt;
    return name;
}

} // namespace phx::fw::pve

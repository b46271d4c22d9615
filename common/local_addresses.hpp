// SPDX-License-Identifier: GPL-3.0-or-later
// The addresses this machine (this network namespace) has on its
// interfaces, and its host name.
#pragma once

#include "common/net.hpp"

#include <string>
#include <vector>

namespace phx {

// Every IPv4 and IPv6 address of every interface, loopback's included (and
// 127.0.0.1 and ::1 even when getifaddrs fails).
[[nodiscard]] std::vector<IpAddress> local_addresses();

[[nodiscard]] bool is_local_address(const IpAddress& address);

// The host name without its domain ("pve2" for pve2.example.org), as
// Proxmox names a node; "" when there is none.
[[nodiscard]] std::string local_host_name();

} // namespace phx

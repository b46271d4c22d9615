// SPDX-License-Identifier: GPL-3.0-or-later
// The guests of a Proxmox node, from a directory shaped like /etc/pve.
#pragma once

#include "common/diag.hpp"
#include "fwcompile/pve/guest_config.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phx::fw::pve {

// The containers (DIR/lxc/<ID>.conf) and VMs (DIR/qemu-server/<ID>.conf) in
// DIR, ordered by id. On a Proxmox node both folders are links to this
// node's own (nodes/<node>/...): guests of other cluster nodes are not in
// them. Other names in the folders (an editor's backup) are skipped; only
// regular files are read. Files that cannot be read and malformed values
// are reported to `diag`; nullopt when DIR has neither folder.
[[nodiscard]] std::optional<std::vector<GuestConfig>> read_guest_configs(const std::string& dir,
                                                                         Diagnostics& diag);

// Where the file of a guest is, or would be: "/etc/pve/lxc/101.conf".
[[nodiscard]] std::string config_path(const std::string& dir, HostKind kind, std::uint32_t id);

} // namespace phx::fw::pve

// SPDX-License-Identifier: GPL-3.0-or-later
// One Proxmox guest configuration (/etc/pve/lxc/<ID>.conf for a container,
// /etc/pve/qemu-server/<ID>.conf for a VM) as far as phx-fw cares: the
// guest's name and its network devices, each value with the line it is on,
// so a difference from the inventory can be shown on both sides.
#pragma once

#include "common/diag.hpp"
#include "common/inventory/inventory.hpp"
#include "common/net.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw::pve {

using inventory::HostKind;
using inventory::MacAddress;

// An address setting of a network device: a container's ip=/ip6= on its
// netN line, a VM's cloud-init ip=/ip6= on its ipconfigN line.
struct IpSetting {
    std::string text;         // as written: "10.0.0.153/24", "dhcp", "manual"; "" when absent
    std::optional<Cidr> cidr; // set for a static address only
    SourcePos at;             // its line; for an absent setting, the netN line
};

// A network device, netN.
struct Nic {
    unsigned index = 0;            // the N of netN
    SourcePos at;                  // the netN line
    std::string bridge;            // "" when none (a VM's NATed user network)
    std::optional<MacAddress> mac; // hwaddr= (container); the model's value or macaddr= (VM)
    // firewall=1: Proxmox puts the device behind a bridge of its own
    // (fwbr<ID>i<N>), and the port on `bridge` is fwpr<ID>p<N>.
    bool firewall = false;
    IpSetting ipv4, ipv6;
};

struct GuestConfig {
    std::uint32_t id = 0; // the VMID, from the file name
    HostKind kind = HostKind::lxc;
    FileName file;
    std::string name; // hostname (container) or name (VM) as written; "" when not set
    SourcePos name_at;
    std::vector<Nic> nics; // by index

    [[nodiscard]] const Nic* nic(unsigned index) const;
    // The device phx-fw binds when the inventory says nothing else: net0,
    // else the lowest-numbered one; null when the guest has none.
    [[nodiscard]] const Nic* first_nic() const;
    // The whole file, for "guest 105 is not in the inventory".
    [[nodiscard]] SourcePos at() const { return {file, 1, 0}; }
};

// The port Proxmox gives a device on its bridge: veth<ID>i<N> for a
// container, tap<ID>i<N> for a VM, and fwpr<ID>p<N> with firewall=1.
[[nodiscard]] std::string port_name(const GuestConfig& guest, const Nic& nic);

// What Proxmox says of a device's address of one family: "ip=10.0.0.153/24",
// "ip=dhcp", "net0 has no ip=", "no cloud-init ipconfig0".
[[nodiscard]] std::string address_text(const GuestConfig& guest, const Nic& nic, IpFamily family);

// Reads the current configuration of one file: `key: value` lines up to the
// first [section] (a snapshot, or [pve:pending] with changes not yet
// applied), skipping # lines (comments and the description). Malformed
// values phx-fw needs (a MAC, an address) are errors at file:line:col, a
// line that is not `key: value` a warning; the rest of the file is still read.
[[nodiscard]] GuestConfig parse_guest_config(std::string_view text, const FileName& file,
                                             std::uint32_t id, HostKind kind, Diagnostics& diag);

} // namespace phx::fw::pve

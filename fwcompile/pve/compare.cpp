// SPDX-License-Identifier: GPL-3.0-or-later
// Comparing the inventory with Proxmox's guest configurations; see
// compare.hpp. The inventory binds one device per guest: the one its port
// names (veth<ID>i<N>, tap<ID>i<N>, fwpr<ID>p<N>), net0 for any other port.
#include "fwcompile/pve/compare.hpp"

#include "fwcompile/pve/guest_names.hpp"
#include "fwcompile/pve/read_configs.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <utility>

namespace phx::fw::pve {

namespace {

using inventory::Host;
using inventory::Inventory;

struct Context {
    const Inventory& inventory;
    const InventoryPlaces& places;
    const std::string& dir;
    Diagnostics& diag;
    std::vector<Note>& notes;

    void note(SourcePos at, std::string message) const {
        notes.push_back({std::move(at), std::move(message)});
    }
    [[nodiscard]] bool ours(const Nic& nic) const {
        return std::find(inventory.bridges.begin(), inventory.bridges.end(), nic.bridge) !=
               inventory.bridges.end();
    }
};

// One guest as both sides have it.
struct Match {
    const Host& host;
    GuestPlaces places;
    const GuestConfig& pve;
    std::uint32_t id;
};

std::string_view kind_key(HostKind kind) {
    return kind == HostKind::vm ? "vm" : "lxc";
}

std::string_view kind_text(HostKind kind) {
    return kind == HostKind::vm ? "a VM" : "a container";
}

// "guest 105 (db)", or "guest 105" for a guest Proxmox gives no name.
std::string who(std::uint32_t id, std::string_view name) {
    if (name.empty()) return fmt::format("guest {}", id);
    return fmt::format("guest {} ({})", id, name);
}

// The N of the device the inventory's port is on; 0 for a port Proxmox
// would not name so.
unsigned nic_index(const Host& host) {
    const std::string id = std::to_string(*host.id);
    constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kShapes = {
        {{"veth", "i"}, {"tap", "i"}, {"fwpr", "p"}}};
    for (const auto& [prefix, separator] : kShapes) {
        const std::string head = fmt::format("{}{}{}", prefix, id, separator);
        if (host.port.size() > head.size() && host.port.starts_with(head))
            if (auto index = parse_uint(std::string_view{host.port}.substr(head.size()), 1000))
                return *index;
    }
    return 0;
}

void not_in_inventory(const Context& c, const GuestConfig& guest) {
    const std::string& rules = c.inventory.hypervisor().at.file.str();
    const Nic* nic = guest.first_nic();
    if (nic && c.ours(*nic)) {
        c.diag.error(guest.at(), fmt::format("{} is not in the inventory ({}): its port {} on {} "
                                             "is bound to no address, so it can send from any",
                                             who(guest.id, guest.name), rules,
                                             port_name(guest, *nic), nic->bridge));
        return;
    }
    c.diag.warning(guest.at(),
                   fmt::format("{} is not in the inventory ({}); it is on {}, not on {}, so its "
                               "traffic is not phx-fw's",
                               who(guest.id, guest.name), rules,
                               nic && !nic->bridge.empty() ? "bridge " + nic->bridge : "no bridge",
                               c.inventory.bridge_list()));
}

void not_in_proxmox(const Context& c, const Host& host) {
    c.diag.error(c.places.of(host).id,
                 fmt::format("{} is not in Proxmox: there is no {} (is its id or kind wrong, or "
                             "is it gone?)",
                             who(*host.id, host.name), config_path(c.dir, host.kind, *host.id)));
}

void compare_kind(const Context& c, const Match& m) {
    if (m.host.kind == m.pve.kind) return;
    c.diag.error(m.places.kind,
                 fmt::format("guest {} is kind \"{}\" here but {} in {}: its port is {}, not {}",
                             m.id, kind_key(m.host.kind), kind_text(m.pve.kind),
                             m.pve.at().to_string(), inventory::default_port(m.pve.kind, m.id),
                             m.host.port));
}

void compare_name(const Context& c, const Match& m) {
    if (m.pve.name.empty() || inventory_name(m.pve.name) == m.host.name) return;
    c.diag.warning(m.places.name, fmt::format("guest {} is named {} here but {} in {}", m.id,
                                              m.host.name, m.pve.name, m.pve.name_at.to_string()));
}

void compare_bridge(const Context& c, const Match& m, const Nic& nic) {
    if (c.ours(nic)) return;
    c.diag.error(nic.at, fmt::format("guest {}'s net{} is on {}, not on {} ({}): phx-fw would "
                                     "neither filter nor bind its traffic",
                                     m.id, nic.index,
                                     nic.bridge.empty() ? "no bridge" : "bridge " + nic.bridge,
                                     c.inventory.bridge_list(), c.places.bridge.to_string()));
}

void compare_address(const Context& c, const Match& m, const Nic& nic) {
    const IpSetting& setting = m.host.address.family == IpFamily::v4 ? nic.ipv4 : nic.ipv6;
    if (!setting.cidr) {
        c.note(m.places.address,
               fmt::format("guest {}'s address {} is not known to Proxmox ({}: {}); make sure "
                           "the guest uses it",
                           m.id, m.host.address.to_string(), setting.at.to_string(),
                           address_text(m.pve, nic, m.host.address.family)));
        return;
    }
    if (setting.cidr->address == m.host.address) return;
    c.diag.error(m.places.address,
                 fmt::format("guest {}'s address is {} here but {} in {}", m.id,
                             m.host.address.to_string(), setting.cidr->address.to_string(),
                             setting.at.to_string()));
}

void compare_mac(const Context& c, const Match& m, const Nic& nic) {
    if (!nic.mac) return;
    const std::string mac = inventory::to_string(*nic.mac);
    if (!m.host.mac) {
        c.note(m.places.table, fmt::format("guest {} has no mac here; {} gives it: add mac = "
                                           "\"{}\" to bind it to its port too",
                                           m.id, nic.at.to_string(), mac));
    } else if (*m.host.mac != *nic.mac) {
        c.diag.error(m.places.mac,
                     fmt::format("guest {}'s mac is {} here but {} in {}", m.id,
                                 inventory::to_string(*m.host.mac), mac, nic.at.to_string()));
    }
}

// firewall=1 inserts fwbr<ID>i<N> between the device and the bridge: the
// bridge sees fwpr<ID>p<N>, and a binding on veth/tap would match nothing.
void check_firewall(const Context& c, const Match& m, const Nic& nic) {
    const std::string port = port_name(m.pve, nic);
    if (!nic.firewall || m.host.port == port) return;
    c.diag.warning(nic.at, fmt::format("guest {}'s net{} has firewall=1: its port on {} is {}, "
                                       "not {} ({}), so the binding would not match; set "
                                       "firewall=0 (README: Migrating from pve-firewall)",
                                       m.id, nic.index, nic.bridge, port, m.host.port,
                                       m.places.port.to_string()));
}

void check_other_nics(const Context& c, const Match& m, const Nic& bound) {
    for (const Nic& nic : m.pve.nics)
        if (&nic != &bound && c.ours(nic))
            c.diag.warning(nic.at, fmt::format("guest {}'s net{} is on {} too, and its port {} "
                                               "is bound to no address: it can send from any",
                                               m.id, nic.index, nic.bridge, port_name(m.pve, nic)));
}

void compare_guest(const Context& c, const Host& host, const GuestConfig& pve) {
    const Match m{host, c.places.of(host), pve, *host.id};
    compare_kind(c, m);
    compare_name(c, m);
    const unsigned index = nic_index(host);
    const Nic* nic = pve.nic(index);
    if (!nic) {
        c.diag.error(m.places.port, fmt::format("guest {}'s port {} is net{}'s, which {} does "
                                                "not have: there is nothing to bind",
                                                m.id, host.port, index, pve.at().to_string()));
        return;
    }
    compare_bridge(c, m, *nic);
    compare_address(c, m, *nic);
    compare_mac(c, m, *nic);
    check_firewall(c, m, *nic);
    check_other_nics(c, m, *nic);
}

} // namespace

std::string Note::to_string() const {
    return fmt::format("{}: note: {}", at.to_string(), message);
}

void compare(const Inventory& inventory, const InventoryPlaces& places,
             const std::vector<GuestConfig>& guests, const std::string& pve_dir, Diagnostics& diag,
             std::vector<Note>& notes) {
    const Context c{inventory, places, pve_dir, diag, notes};
    std::vector<const Host*> hosts;
    for (const Host& host : inventory.hosts)
        if (host.id) hosts.push_back(&host);
    std::sort(hosts.begin(), hosts.end(),
              [](const Host* a, const Host* b) { return a->id < b->id; });
    auto h = hosts.begin();
    auto g = guests.begin();
    while (h != hosts.end() || g != guests.end()) {
        if (g == guests.end() || (h != hosts.end() && *(*h)->id < g->id)) {
            not_in_proxmox(c, **h++);
        } else if (h == hosts.end() || g->id < *(*h)->id) {
            not_in_inventory(c, *g++);
        } else {
            compare_guest(c, **h++, *g++);
        }
    }
}

} // namespace phx::fw::pve

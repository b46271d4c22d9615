// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory: the hypervisor with its bridges and networks, the other
// nodes of its Proxmox cluster, and the guests with Proxmox id, kind, name,
// address and bridge port. phx-fw's rules file holds it; phx-fw compiles
// rows against it and phx-dnsd names its hosts from it, so both read it
// with the loader here.
#pragma once

#include "common/config/section.hpp"
#include "common/diag.hpp"
#include "common/net.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::inventory {

enum class HostKind : std::uint8_t { hypervisor, lxc, vm };

// An Ethernet address, as a guest's network device has it (Proxmox's hwaddr).
using MacAddress = std::array<std::uint8_t, 6>;
[[nodiscard]] std::optional<MacAddress> parse_mac(std::string_view text); // "bc:24:11:aa:bb:cc"
[[nodiscard]] std::string to_string(const MacAddress& mac);

struct Host {
    std::string name;
    std::optional<std::uint32_t> id; // Proxmox VMID; the hypervisor has none
    HostKind kind = HostKind::lxc;
    IpAddress address;
    SourcePos at;
    // A guest's port on the bridge, where the hypervisor binds its address
    // (and MAC, when known) to it: "veth101i0" for a container, "tap1001i0"
    // for a VM, as Proxmox names them, unless the inventory says otherwise.
    std::string port;
    std::optional<MacAddress> mac;
};

// The port Proxmox gives a guest's first network device.
[[nodiscard]] std::string default_port(HostKind kind, std::uint32_t id);

// A node of a Proxmox cluster: [hypervisor] is the first, each [[node]]
// another. One rules file (in /etc/pve, which pmxcfs copies to every node)
// serves them all: on each node, the hypervisor's role is that node.
struct ClusterNode {
    std::string name; // as Proxmox names the node: its host name
    IpAddress address;
    SourcePos at;
};

// Which node the inventory is loaded for. With a name, that node (an
// unknown name is an error). Without, the node one of whose addresses is
// in `local_addresses`; else the node named `host_name` (at boot, before
// the network has its addresses); else [hypervisor] as written (the lab,
// a workstation). The default is [hypervisor] as written.
struct NodeChoice {
    std::string name;                       // --node; empty: by this machine
    std::vector<IpAddress> local_addresses; // this machine's
    std::string host_name;                  // this machine's, without its domain
};

// How the node was chosen, for messages.
enum class NodeChosen : std::uint8_t { by_name, by_address, by_host_name, as_written };

// Hosts are numbered by their place in Inventory::hosts.
using HostIndex = std::uint32_t;
inline constexpr HostIndex kHypervisor = 0;

// Hosts are added with add(), which also indexes them: rows name hosts by
// name, id or address, and a large inventory searched linearly for each of
// them would make loading quadratic.
struct Inventory {
    std::vector<Host> hosts; // hosts[kHypervisor] is the hypervisor, then the guests
    // The subnets on the bridges (one per address family, usually one);
    // every guest's address is in one of them. networks.front() is the
    // hypervisor's.
    std::vector<Cidr> networks;
    // The Proxmox bridges the guests are on. The hypervisor target filters
    // what is forwarded through them and what the hypervisor itself sends
    // and receives; traffic of other bridges and interfaces is not ours.
    std::vector<std::string> bridges;
    // nodes[0] is [hypervisor] as written, then the [[node]]s. Nodes are
    // not hosts: rows name the hypervisor's role by [hypervisor]'s name,
    // and hosts[kHypervisor] has the address of nodes[this_node].
    std::vector<ClusterNode> nodes;
    std::size_t this_node = 0;
    NodeChosen node_chosen = NodeChosen::as_written;

    // Appends the host; its name, id and address must be new (the loader checks).
    void add(Host host);
    [[nodiscard]] const Host& hypervisor() const { return hosts.at(kHypervisor); }
    [[nodiscard]] std::optional<HostIndex> find_by_address(const IpAddress& a) const;
    [[nodiscard]] std::optional<HostIndex> find_by_name(std::string_view name) const;
    [[nodiscard]] std::optional<HostIndex> find_by_id(std::uint32_t id) const;
    // "nginx", "101" or "10.0.0.153"; nullopt when no host is meant.
    [[nodiscard]] std::optional<HostIndex> find(std::string_view reference) const;
    // "nginx (10.0.0.153)", for messages.
    [[nodiscard]] std::string describe(HostIndex h) const;
    // The network of the address's family, if the inventory has one.
    [[nodiscard]] const Cidr* network(IpFamily family) const;
    [[nodiscard]] bool in_network(const IpAddress& a) const;
    // "vmbr0" or "vmbr0, vmbr1".
    [[nodiscard]] std::string bridge_list() const;
    // Whether the file has [[node]]s: other nodes share its policy.
    [[nodiscard]] bool cluster() const { return nodes.size() > 1; }
    [[nodiscard]] const ClusterNode& node() const { return nodes.at(this_node); }
    [[nodiscard]] const ClusterNode* find_node(const IpAddress& a) const;

private:
    // Host indices by one key: open addressing, each slot keeping its key's
    // hash, so a look-up reads the slot array and only the host it finds.
    // (std::unordered_map would chase a node per step, and hash a string key
    // again at every step.) Indices, not pointers: copies stay valid.
    class Index {
    public:
        void insert(std::size_t hash, HostIndex host);
        template <typename Matches>
        [[nodiscard]] std::optional<HostIndex> find(std::size_t hash, Matches matches) const;

    private:
        struct Slot {
            std::size_t hash = 0;
            std::optional<HostIndex> host;
        };
        std::vector<Slot> slots_; // a power of two in size, at most half full
        std::size_t used_ = 0;
    };
    Index by_name_;
    Index by_id_;
    Index by_address_;
};

// Reads [hypervisor], [[node]] and [[guest]] of a document's top level,
// checking each host (names, ids, addresses, ports unique; guests and nodes
// inside a network) and choosing the node (see NodeChoice) before any guest
// is added; false when anything was wrong. Other keys of the top level are
// the caller's to check.
bool load_inventory(const config::Section& top, Inventory& inventory,
                    const NodeChoice& choice = {});

// The inventory of a rules file, for a program that reads nothing else of
// it (phx-dnsd); nullopt after reporting what was wrong.
[[nodiscard]] std::optional<Inventory> load_inventory_file(const std::string& path,
                                                           Diagnostics& diag);

} // namespace phx::inventory

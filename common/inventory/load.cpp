// SPDX-License-Identifier: GPL-3.0-or-later
// Loading the inventory: the hypervisor with its bridges and networks, the
// other nodes of its cluster, and the guests with Proxmox id, kind, name,
// address and bridge port. Names, ids and addresses must be unique, because
// rows and the command line refer to hosts by any of them.
#include "common/inventory/inventory.hpp"
#include "common/suggest.hpp"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unordered_map>

namespace phx::inventory {
namespace {

using config::Document;
using config::Node;
using config::NodeKind;
using config::Section;

// Keywords are ASCII and the C locale is never changed: this is tolower.
std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    return out;
}

// Proxmox VE allocates guest ids from 100 up to 999999999.
constexpr std::int64_t kMinGuestId = 100;
constexpr std::int64_t kMaxGuestId = 999'999'999;

bool valid_host_name(std::string_view name) {
    if (name.empty() || name.size() > 63 || !std::islower(static_cast<unsigned char>(name.front())))
        return false;
    for (char c : name)
        if (!std::islower(static_cast<unsigned char>(c)) &&
            !std::isdigit(static_cast<unsigned char>(c)) && c != '-')
            return false;
    return true;
}

// Linux interface names: 1 to 15 bytes, no '/', ':' or whitespace.
bool valid_interface_name(std::string_view name) {
    if (name.empty() || name.size() > 15) return false;
    for (char c : name)
        if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) return false;
    return true;
}

std::optional<std::string> read_name(const Section& s, bool required) {
    auto name = s.string("name", required);
    if (!name) return std::nullopt;
    if (!valid_host_name(name->value) || name->value == "any" || name->value == "global") {
        s.diag().error(name->at,
                       fmt::format("host name '{}' must start with a letter and hold only "
                                   "a-z, 0-9 and '-' (and not be \"any\" or \"global\")",
                                   name->value));
        return std::nullopt;
    }
    return std::string{name->value};
}

std::optional<IpAddress> read_address(const Section& s) {
    auto text = s.string("address", true);
    if (!text) return std::nullopt;
    auto address = IpAddress::parse(text->value);
    if (!address) s.diag().error(text->at, fmt::format("'{}' is not an IP address", text->value));
    return address;
}

std::optional<HostKind> read_kind(const Section& s) {
    auto text = s.string("kind", true);
    if (!text) return std::nullopt;
    const std::string kind = lowercase(text->value);
    if (kind == "lxc") return HostKind::lxc;
    if (kind == "vm") return HostKind::vm;
    static constexpr std::string_view kKinds[] = {"lxc", "vm"};
    s.diag().error(text->at, fmt::format("kind must be \"lxc\" or \"vm\", not '{}'{}", text->value,
                                         did_you_mean(kind, kKinds)));
    return std::nullopt;
}

// network: one prefix or a list (one per address family); the first holds
// the hypervisor's address.
bool read_networks(const Section& s, const IpAddress& hypervisor, Inventory& inventory) {
    const auto items = s.strings("network");
    if (!items) {
        if (!s.has("network")) s.diag().error(s.pos(), fmt::format("{} needs 'network'", s.name()));
        return false;
    }
    bool ok = !items->empty();
    if (!ok) s.diag().error(s.pos_of("network"), "network must name at least one prefix");
    for (const auto& item : *items) {
        auto cidr = Cidr::parse(item.value);
        if (!cidr || cidr->is_host()) {
            s.diag().error(item.at, fmt::format("network '{}' is not a prefix such as 10.0.0.0/24",
                                                item.value));
            ok = false;
        } else if (inventory.network(cidr->address.family)) {
            s.diag().error(item.at, fmt::format("network '{}': there is already one of its "
                                                "address family",
                                                item.value));
            ok = false;
        } else {
            inventory.networks.push_back(*cidr);
        }
    }
    if (ok && !inventory.networks.front().contains(hypervisor)) {
        s.diag().error(items->front().at,
                       fmt::format("network '{}' must be a prefix such as 10.0.0.0/24 that "
                                   "holds the hypervisor's address {}",
                                   items->front().value, hypervisor.to_string()));
        ok = false;
    }
    return ok;
}

// bridge: one interface name or a list.
bool read_bridges(const Section& s, Inventory& inventory) {
    const auto items = s.strings("bridge");
    if (!items) {
        if (!s.has("bridge")) s.diag().error(s.pos(), fmt::format("{} needs 'bridge'", s.name()));
        return false;
    }
    bool ok = !items->empty();
    if (!ok) s.diag().error(s.pos_of("bridge"), "bridge must name at least one bridge");
    for (const auto& item : *items) {
        if (!valid_interface_name(item.value)) {
            s.diag().error(item.at, fmt::format("'{}' is not an interface name", item.value));
            ok = false;
        } else {
            inventory.bridges.emplace_back(item.value);
        }
    }
    return ok;
}

// [hypervisor]: its networks and bridges go into the inventory, and it is
// the first node; the host itself is added once the node is chosen.
std::optional<Host> load_hypervisor(const Section& s, Inventory& inventory) {
    s.allow_only({"name", "address", "network", "bridge"});
    Host host{"hypervisor", std::nullopt, HostKind::hypervisor, {}, s.pos(), {}, {}};
    if (s.has("name")) {
        auto name = read_name(s, false);
        if (!name) return std::nullopt;
        host.name = *name;
    }
    auto address = read_address(s);
    if (!address) return std::nullopt;
    host.address = *address;
    const bool networks = read_networks(s, host.address, inventory);
    if (!read_bridges(s, inventory) || !networks) return std::nullopt;
    inventory.nodes.push_back({host.name, host.address, host.at});
    return host;
}

// port and mac of a guest; the port defaults to Proxmox's name for it.
bool read_port_and_mac(const Section& s, Host& guest) {
    bool ok = true;
    guest.port = default_port(guest.kind, *guest.id);
    if (auto port = s.string("port")) {
        if (valid_interface_name(port->value)) {
            guest.port = std::string{port->value};
        } else {
            s.diag().error(port->at, fmt::format("'{}' is not an interface name", port->value));
            ok = false;
        }
    }
    if (auto mac = s.string("mac")) {
        guest.mac = parse_mac(mac->value);
        if (!guest.mac) {
            s.diag().error(
                mac->at,
                fmt::format("'{}' is not a MAC address (e.g. bc:24:11:5e:0a:01)", mac->value));
            ok = false;
        }
    }
    return ok;
}

// A guest's address is bound to its port on the bridge: it must be in one
// of the bridge's networks.
bool check_in_network(const Section& s, const Host& guest, const Inventory& inventory) {
    if (inventory.in_network(guest.address)) return true;
    std::vector<std::string> networks;
    for (const auto& n : inventory.networks) networks.push_back(n.to_string());
    s.diag().error(s.pos_of("address"),
                   fmt::format("guest address {} is outside the network ({}) of [hypervisor] at {}",
                               guest.address.to_string(), fmt::join(networks, ", "),
                               inventory.hypervisor().at.to_string()));
    return false;
}

std::optional<Host> load_guest(const Section& s, const Inventory& inventory) {
    s.allow_only({"id", "kind", "name", "address", "port", "mac"});
    auto id = s.integer("id", kMinGuestId, kMaxGuestId);
    if (!s.has("id")) s.diag().error(s.pos(), fmt::format("{} needs 'id'", s.name()));
    auto kind = read_kind(s);
    auto name = read_name(s, true);
    auto address = read_address(s);
    if (!id || !kind || !name || !address) return std::nullopt;
    Host guest{*name, static_cast<std::uint32_t>(*id), *kind, *address, s.pos(), {}, {}};
    const bool port_ok = read_port_and_mac(s, guest);
    if (!port_ok || !check_in_network(s, guest, inventory)) return std::nullopt;
    return guest;
}

struct Clash {
    std::string what;     // "name 'nginx'"
    std::string_view key; // where to point the error
};

std::optional<Clash> clash(const Host& guest, const Host& other) {
    if (other.name == guest.name) return Clash{fmt::format("name '{}'", guest.name), "name"};
    if (other.id && other.id == guest.id) return Clash{fmt::format("id {}", *guest.id), "id"};
    if (other.address == guest.address)
        return Clash{fmt::format("address {}", guest.address.to_string()), "address"};
    return std::nullopt;
}

// A guest whose name, id or address another host already has: the first
// such host in inventory order is named.
bool check_unique(const Section& s, const Host& guest, const Inventory& inventory) {
    std::optional<HostIndex> first;
    for (const auto found : {inventory.find_by_name(guest.name),
                             guest.id ? inventory.find_by_id(*guest.id) : std::nullopt,
                             inventory.find_by_address(guest.address)})
        if (found && (!first || *found < *first)) first = found;
    if (!first) return true;
    const Host& other = inventory.hosts[*first];
    const auto c = clash(guest, other);
    s.diag().error(s.pos_of(c->key), fmt::format("{} is already used by the host at {}", c->what,
                                                 other.at.to_string()));
    return false;
}

// Two guests on one bridge port could not be told apart by the binding.
bool check_port(const Section& s, const Host& guest, const Inventory& inventory,
                std::unordered_map<std::string, HostIndex>& ports) {
    const auto [it, added] = ports.try_emplace(guest.port, inventory.hosts.size());
    if (added) return true;
    s.diag().error(s.pos_of("port"),
                   fmt::format("port '{}' is already the port of the guest at {}", guest.port,
                               inventory.hosts[it->second].at.to_string()));
    return false;
}

// A node's or a guest's name or address that a node already has: reported
// at the key, naming the node ([hypervisor] is "the host", as for guests).
// Checked against the nodes as written, not through hosts[kHypervisor],
// which has only this node's address: the message must not depend on the
// node the file is loaded for.
bool clashes_with_node(const Section& s, std::string_view name, const IpAddress& address,
                       const Inventory& inventory) {
    for (std::size_t n = 0; n < inventory.nodes.size(); ++n) {
        const ClusterNode& node = inventory.nodes[n];
        const bool same_name = node.name == name;
        if (!same_name && node.address != address) continue;
        const std::string what = same_name ? fmt::format("name '{}'", name)
                                           : fmt::format("address {}", address.to_string());
        const std::string by = n == 0 ? "the host" : fmt::format("[[node]] {}", node.name);
        s.diag().error(
            s.pos_of(same_name ? "name" : "address"),
            fmt::format("{} is already used by {} at {}", what, by, node.at.to_string()));
        return true;
    }
    return false;
}

// A [[node]]: another node of the cluster, which stands in for [hypervisor]
// when the file is loaded there, so its address is in the hypervisor's network.
bool load_node(const Section& s, Inventory& inventory) {
    s.allow_only({"name", "address"});
    auto name = read_name(s, true);
    auto address = read_address(s);
    if (!name || !address) return false;
    const Cidr& network = inventory.networks.front();
    if (!network.contains(*address)) {
        s.diag().error(s.pos_of("address"),
                       fmt::format("node address {} is outside the hypervisor's network {}: each "
                                   "node stands in for [hypervisor] at {}",
                                   address->to_string(), network.to_string(),
                                   inventory.nodes.front().at.to_string()));
        return false;
    }
    if (clashes_with_node(s, *name, *address, inventory)) return false;
    inventory.nodes.push_back({*name, *address, s.pos()});
    return true;
}

bool load_nodes(const Section& top, Inventory& inventory) {
    const Node* nodes = top.array("node");
    if (!nodes) return !top.has("node");
    const Document& doc = top.doc();
    bool ok = true;
    std::size_t i = 0;
    for (const Node& table : doc.items(*nodes)) {
        ++i;
        if (table.kind != NodeKind::table) {
            top.diag().error(top.at(table), "each [[node]] must be a table");
            ok = false;
            continue;
        }
        ok = load_node({doc, table, "[[node]]", top.file(), top.diag(), i}, inventory) && ok;
    }
    return ok;
}

std::optional<std::size_t> node_named(const Inventory& inventory, std::string_view name) {
    for (std::size_t n = 0; n < inventory.nodes.size(); ++n)
        if (inventory.nodes[n].name == name) return n;
    return std::nullopt;
}

// --node NAME: an unknown name is an error, with the names there are.
bool choose_by_name(const Section& top, Inventory& inventory, std::string_view name) {
    if (const auto n = node_named(inventory, name)) {
        inventory.this_node = *n;
        inventory.node_chosen = NodeChosen::by_name;
        return true;
    }
    std::vector<std::string_view> names;
    for (const auto& node : inventory.nodes) names.push_back(node.name);
    top.diag().error({top.file()}, fmt::format("no node is named '{}': the nodes are {}{}", name,
                                               fmt::join(names, ", "), did_you_mean(name, names)));
    return false;
}

// The node whose address this machine has; without one, the node named
// like this machine (at boot the network has no addresses yet); without
// one, [hypervisor] as written. Two nodes' addresses here is an error.
bool choose_by_machine(const Section& top, Inventory& inventory, const NodeChoice& choice) {
    const auto& local = choice.local_addresses;
    std::vector<std::size_t> here;
    std::vector<std::string> described;
    for (std::size_t n = 0; n < inventory.nodes.size(); ++n) {
        const ClusterNode& node = inventory.nodes[n];
        if (std::find(local.begin(), local.end(), node.address) == local.end()) continue;
        here.push_back(n);
        described.push_back(fmt::format("{} ({})", node.name, node.address.to_string()));
    }
    if (here.size() > 1) {
        top.diag().error({top.file()}, fmt::format("this machine has the addresses of several "
                                                   "nodes: {}; name the one it is",
                                                   fmt::join(described, ", ")));
        return false;
    }
    const auto by_host_name = choice.host_name.empty()
                                  ? std::nullopt
                                  : node_named(inventory, lowercase(choice.host_name));
    if (!here.empty()) {
        inventory.this_node = here.front();
        inventory.node_chosen = NodeChosen::by_address;
    } else if (by_host_name) {
        inventory.this_node = *by_host_name;
        inventory.node_chosen = NodeChosen::by_host_name;
    }
    return true;
}

bool choose_node(const Section& top, Inventory& inventory, const NodeChoice& choice) {
    if (!choice.name.empty()) return choose_by_name(top, inventory, choice.name);
    return choose_by_machine(top, inventory, choice);
}

} // namespace

bool load_inventory(const Section& top, Inventory& inventory, const NodeChoice& choice) {
    const Node* hypervisor_table = top.table("hypervisor");
    if (!hypervisor_table) {
        if (!top.has("hypervisor"))
            top.diag().error({top.file()}, "the rules file needs a [hypervisor] table");
        return false;
    }
    const Document& doc = top.doc();
    auto hypervisor = load_hypervisor(
        {doc, *hypervisor_table, "[hypervisor]", top.file(), top.diag()}, inventory);
    if (!hypervisor) return false;
    // The node is chosen before anything depends on the hypervisor's address.
    bool ok = load_nodes(top, inventory) && choose_node(top, inventory, choice);
    hypervisor->address = inventory.node().address;
    inventory.add(std::move(*hypervisor));
    const Node* guests = top.array("guest");
    ok = top.has("guest") == (guests != nullptr) && ok;
    if (!guests) return ok;
    std::unordered_map<std::string, HostIndex> ports;
    std::size_t i = 0;
    for (const Node& table : doc.items(*guests)) {
        ++i;
        if (table.kind != NodeKind::table) {
            top.diag().error(top.at(table), "each [[guest]] must be a table");
            ok = false;
            continue;
        }
        const Section s{doc, table, "[[guest]]", top.file(), top.diag(), i};
        auto guest = load_guest(s, inventory);
        if (!guest || clashes_with_node(s, guest->name, guest->address, inventory) ||
            !check_unique(s, *guest, inventory) || !check_port(s, *guest, inventory, ports)) {
            ok = false;
            continue;
        }
        inventory.add(std::move(*guest));
    }
    return ok;
}

std::optional<Inventory> load_inventory_file(const std::string& path, Diagnostics& diag) {
    const auto doc = Document::load(path, diag);
    if (!doc) return std::nullopt;
    const FileName file{path};
    Inventory inventory;
    if (!load_inventory({*doc, doc->root(), "the top level", file, diag}, inventory))
        return std::nullopt;
    return inventory;
}

} // namespace phx::inventory

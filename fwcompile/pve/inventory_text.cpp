// SPDX-License-Identifier: GPL-3.0-or-later
// Printing a starting inventory from Proxmox's guest configurations; see
// inventory_text.hpp.
#include "fwcompile/pve/inventory_text.hpp"

#include "fwcompile/pve/guest_names.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>
#include <utility>

namespace phx::fw::pve {

namespace {

using inventory::Inventory;

// The networks and bridges a guest must be on to be printed, and the names
// given so far (the hypervisor's first): the inventory wants them unique.
struct Plan {
    std::vector<Cidr> networks;
    std::vector<std::string> bridges;
    std::set<std::string> names;
};

// A TOML basic string. Values come from files anyone with access to
// /etc/pve may write: a quote must not end the string.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\u{:04x}", byte);
        } else {
            out += c;
        }
    }
    return out + '"';
}

// "vmbr0", or ["vmbr0", "vmbr1"] for several.
std::string one_or_list(const std::vector<std::string>& items) {
    if (items.size() == 1) return quoted(items.front());
    std::vector<std::string> quoted_items;
    for (const auto& item : items) quoted_items.push_back(quoted(item));
    return fmt::format("[{}]", fmt::join(quoted_items, ", "));
}

std::vector<std::string> network_texts(const std::vector<Cidr>& networks) {
    std::vector<std::string> texts;
    for (const Cidr& network : networks) texts.push_back(network.to_string());
    return texts;
}

// A device's static address inside one of `networks`, IPv4 first.
std::optional<IpAddress> address_in(const Nic& nic, const std::vector<Cidr>& networks) {
    for (const IpSetting* setting : {&nic.ipv4, &nic.ipv6})
        if (setting->cidr && std::any_of(networks.begin(), networks.end(), [&](const Cidr& n) {
                return n.contains(setting->cidr->address);
            }))
            return setting->cidr->address;
    return std::nullopt;
}

bool has_static_address(const Nic& nic) {
    return nic.ipv4.cidr || nic.ipv6.cidr;
}

// The prefix most guests' addresses of one family are in; the first of equals.
std::optional<Cidr> common_network(const std::vector<GuestConfig>& guests, IpFamily family) {
    std::vector<std::pair<Cidr, unsigned>> counts;
    for (const GuestConfig& guest : guests) {
        const Nic* nic = guest.first_nic();
        const IpSetting* setting = !nic                     ? nullptr
                                   : family == IpFamily::v4 ? &nic->ipv4
                                                            : &nic->ipv6;
        if (!setting || !setting->cidr) continue;
        const Cidr network{setting->cidr->network(), setting->cidr->prefix};
        auto it = std::find_if(counts.begin(), counts.end(),
                               [&](const auto& count) { return count.first == network; });
        if (it == counts.end())
            counts.emplace_back(network, 1);
        else
            ++it->second;
    }
    const auto best =
        std::max_element(counts.begin(), counts.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    if (best == counts.end()) return std::nullopt;
    return best->first;
}

// Without an inventory: the guests' most common networks, and the bridges
// of the guests in them.
Plan inferred_plan(const std::vector<GuestConfig>& guests) {
    Plan plan;
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6})
        if (auto network = common_network(guests, family)) plan.networks.push_back(*network);
    for (const GuestConfig& guest : guests) {
        const Nic* nic = guest.first_nic();
        if (!nic || nic->bridge.empty()) continue;
        if (has_static_address(*nic) && !address_in(*nic, plan.networks)) continue;
        if (std::find(plan.bridges.begin(), plan.bridges.end(), nic->bridge) == plan.bridges.end())
            plan.bridges.push_back(nic->bridge);
    }
    plan.names.insert("hypervisor");
    return plan;
}

Plan existing_plan(const Inventory& inventory) {
    Plan plan{inventory.networks, inventory.bridges, {}};
    for (const auto& node : inventory.nodes) plan.names.insert(node.name); // [hypervisor]'s too
    return plan;
}

// [hypervisor] and the other nodes of the cluster, as the file has them.
std::string existing_hypervisor(const Inventory& inventory) {
    const inventory::Host& hypervisor = inventory.hypervisor();
    std::string out = fmt::format(
        "[hypervisor]  # as in {}\nname = {}\naddress = {}\nnetwork = {}\nbridge = "
        "{}\n",
        hypervisor.at.file.str(), quoted(hypervisor.name), quoted(hypervisor.address.to_string()),
        one_or_list(network_texts(inventory.networks)), one_or_list(inventory.bridges));
    for (std::size_t n = 1; n < inventory.nodes.size(); ++n)
        out += fmt::format("\n[[node]]\nname = {}\naddress = {}\n", quoted(inventory.nodes[n].name),
                           quoted(inventory.nodes[n].address.to_string()));
    return out;
}

std::string hypervisor_skeleton(const Plan& plan) {
    std::string out = "[hypervisor]\n"
                      "# Fill in the hypervisor's own address on the bridge (ip -brief address).\n"
                      "# network and bridge are what the guests' devices say: check them.\n"
                      "name = \"hypervisor\"\n"
                      "# address = \"\"\n";
    if (plan.networks.empty())
        out += "# network = \"\"  # fill in: no guest has a static address\n";
    else
        out += fmt::format("network = {}\n", one_or_list(network_texts(plan.networks)));
    if (plan.bridges.empty())
        out += "# bridge = \"\"  # fill in: no guest is on a bridge\n";
    else
        out += fmt::format("bridge = {}\n", one_or_list(plan.bridges));
    return out;
}

// Why a guest is not printed; "" when it is.
std::string left_out_because(const GuestConfig& guest, const Plan& plan) {
    const Nic* nic = guest.first_nic();
    if (!nic) return "it has no network device";
    if (nic->bridge.empty()) return fmt::format("net{} is on no bridge", nic->index);
    if (std::find(plan.bridges.begin(), plan.bridges.end(), nic->bridge) == plan.bridges.end())
        return fmt::format("net{} is on {}, not on {}", nic->index, nic->bridge,
                           fmt::join(plan.bridges, ", "));
    if (has_static_address(*nic) && !address_in(*nic, plan.networks))
        return fmt::format("its address is outside {}",
                           fmt::join(network_texts(plan.networks), ", "));
    return "";
}

// The guest's inventory name, and a comment when it is not Proxmox's as written.
std::pair<std::string, std::string> choose_name(const GuestConfig& guest,
                                                const std::set<std::string>& names) {
    std::string fallback = fmt::format("{}{}", guest.kind == HostKind::vm ? "vm" : "ct", guest.id);
    if (guest.name.empty()) return {fallback, "Proxmox gives it no name: rename it"};
    const auto name = inventory_name(guest.name);
    if (!name)
        return {fallback, fmt::format("{} in Proxmox is not an inventory name (a-z, 0-9, '-', "
                                      "from a letter): rename it",
                                      quoted(guest.name))};
    if (names.count(*name))
        return {fallback, fmt::format("{} is an earlier host's name: rename it", *name)};
    if (*name != guest.name) return {*name, fmt::format("{} in Proxmox", quoted(guest.name))};
    return {*name, ""};
}

std::string name_line(const GuestConfig& guest, std::set<std::string>& names) {
    auto [name, why] = choose_name(guest, names);
    names.insert(name);
    if (why.empty()) return fmt::format("name = {}\n", quoted(name));
    return fmt::format("name = {}  # {}\n", quoted(name), why);
}

std::string address_line(const GuestConfig& guest, const Nic& nic, const Plan& plan) {
    if (auto address = address_in(nic, plan.networks))
        return fmt::format("address = \"{}\"\n", address->to_string());
    const IpFamily family =
        nic.ipv4.text.empty() && !nic.ipv6.text.empty() ? IpFamily::v6 : IpFamily::v4;
    const IpSetting& setting = family == IpFamily::v4 ? nic.ipv4 : nic.ipv6;
    return fmt::format("# address = \"\"  # fill in: Proxmox does not know it ({}: {})\n",
                       setting.at.to_string(), address_text(guest, nic, family));
}

// Only where Proxmox's port is not the default one.
std::string port_line(const GuestConfig& guest, const Nic& nic) {
    const std::string port = port_name(guest, nic);
    if (port == inventory::default_port(guest.kind, guest.id)) return "";
    if (nic.firewall)
        return fmt::format("port = \"{}\"  # firewall=1 in Proxmox; after firewall=0 (README: "
                           "Migrating from pve-firewall), drop this line\n",
                           port);
    return fmt::format("port = \"{}\"  # net{}: the guest has no net0\n", port, nic.index);
}

std::string other_nic_lines(const GuestConfig& guest, const Nic& bound) {
    std::string out;
    for (const Nic& nic : guest.nics)
        if (&nic != &bound)
            out +=
                fmt::format("# net{} on {} ({}) is not bound: one port per guest\n", nic.index,
                            nic.bridge.empty() ? "no bridge" : nic.bridge, port_name(guest, nic));
    return out;
}

std::string guest_text(const GuestConfig& guest, Plan& plan) {
    if (auto why = left_out_because(guest, plan); !why.empty())
        return fmt::format("\n# guest {} ({}) is left out: {}\n", guest.id, guest.file.str(), why);
    const Nic& nic = *guest.first_nic();
    std::string out = fmt::format("\n[[guest]]  # {}\nid = {}\nkind = \"{}\"\n", guest.file.str(),
                                  guest.id, guest.kind == HostKind::vm ? "vm" : "lxc");
    out += name_line(guest, plan.names);
    out += address_line(guest, nic, plan);
    out += port_line(guest, nic);
    if (nic.mac) out += fmt::format("mac = \"{}\"\n", inventory::to_string(*nic.mac));
    return out + other_nic_lines(guest, nic);
}

} // namespace

std::string inventory_text(const std::vector<GuestConfig>& guests, const std::string& pve_dir,
                           const Inventory* existing) {
    Plan plan = existing ? existing_plan(*existing) : inferred_plan(guests);
    std::string out = fmt::format(
        "# The guests of Proxmox in {} (lxc/*.conf, qemu-server/*.conf) as phx-fw's inventory,\n"
        "# printed by `phx-fw inventory --pve`. Act on the comments, add your [[rule]] rows,\n"
        "# then compare it with Proxmox again: phx-fw check --rules FILE --pve {}\n\n",
        pve_dir, pve_dir);
    out += existing ? existing_hypervisor(*existing) : hypervisor_skeleton(plan);
    for (const GuestConfig& guest : guests) out += guest_text(guest, plan);
    return out;
}

} // namespace phx::fw::pve

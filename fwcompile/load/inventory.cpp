// SPDX-License-Identifier: GPL-3.0-or-later
// Loading the inventory: the hypervisor with its bridge and network, and the
// guests with Proxmox id, kind, name and address. Names, ids and addresses
// must be unique, because rows and the command line refer to hosts by any of them.
#include "common/suggest.hpp"
#include "fwcompile/load/detail.hpp"

#include <cctype>
#include <fmt/format.h>

namespace phx::fw::detail {
namespace {

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

bool load_hypervisor(const Section& s, Inventory& inventory) {
    s.allow_only({"name", "address", "network", "bridge"});
    Host host{"hypervisor", std::nullopt, HostKind::hypervisor, {}, s.pos()};
    if (s.has("name")) {
        auto name = read_name(s, false);
        if (!name) return false;
        host.name = *name;
    }
    auto address = read_address(s);
    auto network = s.string("network", true);
    auto bridge = s.string("bridge", true);
    if (!address || !network || !bridge) return false;
    host.address = *address;
    auto cidr = Cidr::parse(network->value);
    if (!cidr || cidr->is_host() || !cidr->contains(host.address)) {
        s.diag().error(network->at,
                       fmt::format("network '{}' must be a prefix such as 10.0.0.0/24 that "
                                   "holds the hypervisor's address {}",
                                   network->value, host.address.to_string()));
        return false;
    }
    if (!valid_interface_name(bridge->value)) {
        s.diag().error(bridge->at, fmt::format("'{}' is not an interface name", bridge->value));
        return false;
    }
    inventory.network = *cidr;
    inventory.bridge = std::string{bridge->value};
    inventory.add(std::move(host));
    return true;
}

std::optional<Host> load_guest(const Section& s) {
    s.allow_only({"id", "kind", "name", "address"});
    auto id = s.integer("id", kMinGuestId, kMaxGuestId);
    if (!s.has("id")) s.diag().error(s.pos(), fmt::format("{} needs 'id'", s.name()));
    auto kind = read_kind(s);
    auto name = read_name(s, true);
    auto address = read_address(s);
    if (!id || !kind || !name || !address) return std::nullopt;
    return Host{*name, static_cast<std::uint32_t>(*id), *kind, *address, s.pos()};
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

} // namespace

bool load_inventory(const Section& top, Inventory& inventory) {
    const Node* hypervisor = top.table("hypervisor");
    if (!hypervisor) {
        if (!top.has("hypervisor"))
            top.diag().error({top.file()}, "the rules file needs a [hypervisor] table");
        return false;
    }
    const Document& doc = top.doc();
    if (!load_hypervisor({doc, *hypervisor, "[hypervisor]", top.file(), top.diag()}, inventory))
        return false;
    const Node* guests = top.array("guest");
    bool ok = top.has("guest") == (guests != nullptr);
    if (!guests) return ok;
    std::size_t i = 0;
    for (const Node& table : doc.items(*guests)) {
        ++i;
        if (table.kind != NodeKind::table) {
            top.diag().error(top.at(table), "each [[guest]] must be a table");
            ok = false;
            continue;
        }
        const Section s{doc, table, "[[guest]]", top.file(), top.diag(), i};
        auto guest = load_guest(s);
        if (!guest || !check_unique(s, *guest, inventory)) {
            ok = false;
            continue;
        }
        inventory.add(std::move(*guest));
    }
    return ok;
}

} // namespace phx::fw::detail

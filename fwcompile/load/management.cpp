// SPDX-License-Identifier: GPL-3.0-or-later
// The [management] section: who may always reach the hypervisor's own
// services (Management in model.hpp), and the rows that say so. The
// defaults are the Proxmox firewall's: the management network (here the
// inventory's network minus its guests) reaches SSH, the web UI and the
// consoles even when no row mentions them.
#include "fwcompile/load/detail.hpp"

#include <fmt/format.h>

namespace phx::fw::detail {
namespace {

struct Service {
    std::string_view name; // as written in `services`
    Protocol protocol;
    std::initializer_list<PortRange> ports;
    std::string_view what; // for the row's comment
};

constexpr std::uint16_t kSsh = 22, kWebUi = 8006, kSpiceProxy = 3128;
const Service kServices[] = {
    {"ssh", Protocol::tcp, {{kSsh, kSsh}}, "SSH"},
    {"web", Protocol::tcp, {{kWebUi, kWebUi}}, "the Proxmox web UI and API"},
    {"console",
     Protocol::tcp,
     {{5900, 5999}, {kSpiceProxy, kSpiceProxy}},
     "VNC and SPICE consoles"},
};
const Service kCluster[] = {
    {"corosync", Protocol::udp, {{5405, 5412}}, "corosync (cluster)"},
    {"migration", Protocol::tcp, {{60000, 60050}}, "live migration (cluster)"},
};

// The default sources: every address of the hypervisor's network that is
// not a guest's. The guests are left out on purpose: a compromised guest
// must not reach the hypervisor's SSH. The hypervisor is this node, so the
// other nodes of a cluster are sources, as corosync and migration need.
AddressList lan_sources(const Inventory& inventory, const SourcePos& at, TextArena& texts) {
    const Cidr& network = inventory.networks.front();
    std::vector<IpAddress> guests{inventory.hypervisor().address}; // it needs no rule to itself
    for (std::size_t h = 1; h < inventory.hosts.size(); ++h)
        guests.push_back(inventory.hosts[h].address);
    AddressList out;
    for (const Cidr& c : subtract(network, guests))
        out.items.push_back({c, std::nullopt, at, texts.keep(c.to_string()), false});
    return out;
}

bool read_sources(const Section& s, const Inventory& inventory, Management& m, TextArena& texts) {
    if (!s.has("sources")) return true;
    m.sources = {};
    m.default_sources = false;
    if (!read_address_list(s, "sources", inventory, m.sources, texts)) return false;
    const IpAddress& hypervisor = inventory.hypervisor().address;
    for (const auto& a : m.sources.items)
        if (a.cidr.address.family != hypervisor.family) {
            s.diag().error(a.at, fmt::format("'{}' is not of the hypervisor's address family ({})",
                                             a.text, hypervisor.to_string()));
            return false;
        }
    if (m.sources.any())
        s.diag().error(s.pos_of("sources"), "sources = \"any\" would open the hypervisor's "
                                            "management services to everyone; list the networks");
    return !m.sources.any();
}

bool read_services(const Section& s, Management& m) {
    const auto items = s.strings("services");
    if (!items) return !s.has("services");
    m.ssh = m.web = m.console = false;
    bool ok = true;
    for (const auto& item : *items) {
        bool& flag = item.value == "ssh" ? m.ssh : item.value == "web" ? m.web : m.console;
        if (item.value != "ssh" && item.value != "web" && item.value != "console") {
            s.diag().error(item.at, fmt::format("service '{}' is not \"ssh\", \"web\" or "
                                                "\"console\" (the cluster's are `cluster = true`)",
                                                item.value));
            ok = false;
            continue;
        }
        flag = true;
    }
    return ok;
}

Row service_row(const Management& m, const Service& service, std::string_view who,
                TextArena& texts) {
    Row row;
    row.origin = RowOrigin::management;
    row.at = m.at;
    row.scope = kHypervisor;
    row.direction = Direction::in;
    row.action = Action::accept;
    row.flow.source = m.sources;
    row.flow.protocol = service.protocol;
    for (const PortRange& range : service.ports) {
        row.flow.ports.ranges.push_back(range);
        row.flow.ports.at.push_back(m.at);
    }
    row.comment = texts.keep(fmt::format("management: {} from {}", service.what, who));
    row.scope_at = m.at;
    return row;
}

} // namespace

bool load_management(const Section& top, const Inventory& inventory, Management& m,
                     TextArena& texts) {
    m.at = SourcePos{top.file()};
    m.sources = lan_sources(inventory, m.at, texts);
    const Node* table = top.table("management");
    if (!table) return !top.has("management");
    const std::size_t errors_before = top.diag().error_count();
    const Section s{top.doc(), *table, "[management]", top.file(), top.diag()};
    s.allow_only({"enabled", "sources", "services", "cluster"});
    m.written = true;
    m.at = s.pos();
    if (auto enabled = s.boolean("enabled")) m.enabled = *enabled;
    if (auto cluster = s.boolean("cluster")) m.cluster = *cluster;
    read_sources(s, inventory, m, texts);
    read_services(s, m);
    return top.diag().error_count() == errors_before;
}

void management_rows(const Management& m, PlaceVector<Row>& rows, TextArena& texts) {
    if (!m.enabled || m.sources.items.empty()) return;
    const std::string_view who =
        m.default_sources ? "the management network" : "the [management] sources";
    for (const Service& service : kServices) {
        const bool on = service.name == "ssh" ? m.ssh : service.name == "web" ? m.web : m.console;
        if (on) rows.push_back(service_row(m, service, who, texts));
    }
    if (m.cluster)
        for (const Service& service : kCluster) rows.push_back(service_row(m, service, who, texts));
}

} // namespace phx::fw::detail

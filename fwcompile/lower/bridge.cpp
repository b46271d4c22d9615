// SPDX-License-Identifier: GPL-3.0-or-later
// table bridge phx: address binding on the guests' bridge ports. Every row
// trusts source addresses, so a guest that took another guest's address (and
// announced it by ARP) would get that guest's rights. The bridge family's
// prerouting hook sees the port a frame came in on, before anything else; it
// is stateless, so it needs no bridge conntrack (which many kernels lack).
// Ports the inventory does not name (the uplink, other guests' second NICs)
// pass, unless they use a guest's address; in a cluster they may, since
// the guests of the other nodes come in through the uplink.
#include "fwcompile/lower/detail.hpp"

#include <fmt/format.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

namespace phx::fw::detail {
namespace {

constexpr ir::OriginId kRulesFile = 0;
constexpr std::uint16_t kDhcpServer = 67, kDhcpClient = 68, kDhcp6Server = 547;

// A guest's elements point at its [[guest]] table (origins[h] = host h).
ir::Element element(std::vector<ir::Interval> key, std::string_view name, HostIndex h) {
    return {std::move(key), name, {}, h};
}

ir::Set named_set(std::string name, std::vector<ir::Type> key) {
    ir::Set set;
    set.name = std::move(name);
    set.key = std::move(key);
    set.origin = kRulesFile;
    return set;
}

struct BridgeSets {
    ir::Set ports = named_set("guest_ports", {ir::Type::ifname});
    // Every guest's IPv4 address: no other port (the uplink) may use them.
    ir::Set addresses = named_set("guest_addresses", {ir::Type::ipv4_addr});
    ir::Set ip_bindings = named_set("ip_bindings", {ir::Type::ifname, ir::Type::ipv4_addr});
    ir::Set mac_ports = named_set("mac_ports", {ir::Type::ifname});
    ir::Set mac_bindings = named_set("mac_bindings", {ir::Type::ifname, ir::Type::ether_addr});
    // IPv6: a guest may not send from an address the inventory gives another
    // guest (its own link-local and other addresses stay usable).
    ir::Set ip6_claimed = named_set("ip6_claimed", {ir::Type::ipv6_addr});
    ir::Set ip6_bindings = named_set("ip6_bindings", {ir::Type::ifname, ir::Type::ipv6_addr});
    // The fast path's keys when some guests have a MAC: port . MAC . address
    // of those, port . address of the others (the loader gives each port one
    // guest). Without any MAC the fast path looks up ip_bindings.
    ir::Set ip_mac_fast =
        named_set("ip_mac_fast", {ir::Type::ifname, ir::Type::ether_addr, ir::Type::ipv4_addr});
    ir::Set ip_fast = named_set("ip_fast", {ir::Type::ifname, ir::Type::ipv4_addr});
};

// The elements' comments (the guests' names) are kept in `texts`, the table's.
BridgeSets bridge_sets(const Inventory& inventory, TextArena& texts) {
    BridgeSets s;
    for (HostIndex h = 1; h < inventory.hosts.size(); ++h) {
        const Host& guest = inventory.hosts[h];
        const std::string_view name = texts.keep(guest.name);
        const ir::Interval port = ir::interval_of_name(guest.port);
        const ir::Interval address = ir::interval_of(Cidr::host(guest.address));
        s.ports.elements.push_back(element({port}, name, h));
        if (guest.address.family == IpFamily::v4) {
            s.addresses.elements.push_back(element({address}, name, h));
            s.ip_bindings.elements.push_back(element({port, address}, name, h));
            if (guest.mac)
                s.ip_mac_fast.elements.push_back(
                    element({port, ir::interval_of_mac(*guest.mac), address}, name, h));
            else
                s.ip_fast.elements.push_back(element({port, address}, name, h));
        } else {
            s.ip6_claimed.elements.push_back(element({address}, name, h));
            s.ip6_bindings.elements.push_back(element({port, address}, name, h));
        }
        if (guest.mac) {
            s.mac_ports.elements.push_back(element({port}, name, h));
            s.mac_bindings.elements.push_back(
                element({port, ir::interval_of_mac(*guest.mac)}, name, h));
        }
    }
    if (s.mac_ports.elements.empty()) s.ip_fast.elements.clear(); // it would equal ip_bindings
    return s;
}

ir::FieldMatch field(ir::Field f, ir::Interval value, bool negate = false) {
    return {f, value, negate};
}

ir::SetMatch in_set(std::vector<ir::Field> key, const ir::Set& set, bool negate = false) {
    return {std::move(key), set.name, negate};
}

ir::Rule rule(std::vector<ir::Match> matches, ir::Verdict verdict, std::string comment) {
    ir::Rule r;
    r.matches = std::move(matches);
    r.verdict = verdict;
    r.counter = verdict == ir::Verdict::drop;
    r.comment = std::move(comment);
    r.origin = kRulesFile;
    return r;
}

ir::Interval udp() {
    return ir::interval_of_byte(IPPROTO_UDP);
}

ir::Interval port(std::uint16_t number) {
    return ir::interval_of(PortRange{number, number});
}

// From the uplink (or any port that is no guest's), a guest's address is
// a lie: a LAN host would otherwise get that guest's rights.
void uplink_rules(const BridgeSets& s, std::vector<ir::Rule>& rules) {
    using F = ir::Field;
    rules.push_back(rule({in_set({F::iifname}, s.ports, true), in_set({F::ip_saddr}, s.addresses)},
                         ir::Verdict::drop, "another port sending from a guest's address"));
    rules.push_back(rule({in_set({F::iifname}, s.ports, true), in_set({F::arp_spa}, s.addresses)},
                         ir::Verdict::drop, "another port announcing a guest's address"));
    if (!s.ip6_claimed.elements.empty())
        rules.push_back(
            rule({in_set({F::iifname}, s.ports, true), in_set({F::ip6_saddr}, s.ip6_claimed)},
                 ir::Verdict::drop, "another port sending from a guest's address"));
}

// Nearly every frame is a guest's IPv4 packet from its own address (and
// MAC) on its own port; with the checks below it costs four lookups, which
// a connect pays on each of its packets (2-4 % of a connect's latency
// through the bridge, fw_bench; with this rule the table costs what an
// empty chain does). This rule passes it with one. It is only a shortcut:
// such a frame passes every check below, as it is from a guest's port (no
// uplink rule), not ARP, bound, and not UDP (the DHCP server replies check)
// nor IPv6 (router advertisements); so it accepts nothing they would drop.
void fast_path_rules(const BridgeSets& s, std::vector<ir::Rule>& rules) {
    using F = ir::Field;
    const char* comment = "a guest's own address on its own port, not UDP: passes every check";
    const auto shortcut = [&](std::vector<ir::Field> key, const ir::Set& set) {
        if (set.elements.empty()) return;
        rules.push_back(rule({in_set(std::move(key), set), field(F::l4proto, udp(), true)},
                             ir::Verdict::accept, comment));
    };
    shortcut({F::iifname, F::ether_saddr, F::ip_saddr}, s.ip_mac_fast);
    shortcut({F::iifname, F::ip_saddr}, s.mac_ports.elements.empty() ? s.ip_bindings : s.ip_fast);
}

// The checks, in order; each drop counts what it stops. In a cluster the
// guests of the other nodes reach this one through the uplink with their
// own addresses, so the uplink may use guest addresses there; each guest's
// own port is bound wherever the guest runs.
std::vector<ir::Rule> binding_rules(const BridgeSets& s, bool cluster, ir::Table& table) {
    using F = ir::Field;
    std::vector<ir::Rule> rules;
    fast_path_rules(s, rules);
    if (!cluster) uplink_rules(s, rules);
    rules.push_back(rule({in_set({F::iifname}, s.ports, true)}, ir::Verdict::accept,
                         "a port that is no guest's in the inventory: not phx-fw's"));
    if (!s.mac_ports.elements.empty())
        rules.push_back(rule({in_set({F::iifname}, s.mac_ports),
                              in_set({F::iifname, F::ether_saddr}, s.mac_bindings, true)},
                             ir::Verdict::drop, "a guest sending from a MAC that is not its own"));
    const ir::Interval unspecified = ir::interval_of(*Cidr::parse("0.0.0.0/32"));
    // ARP probes (RFC 5227) and DHCP discovery come from 0.0.0.0.
    rules.push_back(rule({in_set({F::iifname, F::arp_spa}, s.ip_bindings, true),
                          field(F::arp_spa, unspecified, true)},
                         ir::Verdict::drop, "a guest announcing an address that is not its own"));
    rules.push_back(rule({field(F::ip_saddr, unspecified), field(F::l4proto, udp()),
                          field(F::th_dport, port(kDhcpServer))},
                         ir::Verdict::accept, "DHCP discovery (from 0.0.0.0)"));
    rules.push_back(rule({in_set({F::iifname, F::ip_saddr}, s.ip_bindings, true)},
                         ir::Verdict::drop, "a guest sending from an address that is not its own"));
    if (!s.ip6_claimed.elements.empty())
        rules.push_back(rule({in_set({F::ip6_saddr}, s.ip6_claimed),
                              in_set({F::iifname, F::ip6_saddr}, s.ip6_bindings, true)},
                             ir::Verdict::drop, "a guest sending from another guest's address"));
    ir::Set servers;
    servers.name = "__set0";
    servers.key = {ir::Type::inet_service};
    servers.anonymous = true;
    servers.origin = kRulesFile;
    for (const auto number : {kDhcpServer, kDhcp6Server})
        servers.elements.push_back({{port(number)}, {}, {}, kRulesFile});
    rules.push_back(rule({field(F::l4proto, udp()), in_set({F::th_sport}, servers)},
                         ir::Verdict::drop, "DHCP server replies from a guest"));
    table.sets.push_back(std::move(servers));
    rules.push_back(rule({field(F::l4proto, ir::interval_of_byte(IPPROTO_ICMPV6)),
                          field(F::icmpv6_type, ir::interval_of_byte(ND_ROUTER_ADVERT))},
                         ir::Verdict::drop, "router advertisements from a guest"));
    return rules;
}

} // namespace

ir::Table lower_bridge(const RuleSet& rules) {
    const Inventory& inventory = rules.inventory;
    ir::Table table;
    table.family = ir::Family::bridge;
    table.comment = fmt::format("phx-fw: guest addresses bound to their ports on {}, rules {}",
                                inventory.bridge_list(), file_name(rules.file));
    table.origins.push_back(SourcePos{rules.file, 0, 0});
    for (HostIndex h = 1; h < inventory.hosts.size(); ++h)
        table.origins.push_back(inventory.hosts[h].at);
    table.texts = rules.texts;
    BridgeSets sets = bridge_sets(inventory, *table.texts);
    ir::Chain chain;
    chain.name = "prerouting";
    chain.hook = ir::Hook::prerouting;
    chain.priority = ir::kBridgeFilterPriority;
    chain.policy_drop = false;
    chain.rules = binding_rules(sets, inventory.cluster(), table);
    table.chains.push_back(std::move(chain));
    // The sets the rules name; the optional ones only when they hold something.
    const auto named = [&](const ir::Set* set) {
        if (set == &sets.addresses) return !inventory.cluster(); // only the uplink's rules
        return set == &sets.ports || set == &sets.ip_bindings || !set->elements.empty();
    };
    for (ir::Set* set :
         {&sets.ports, &sets.addresses, &sets.ip_bindings, &sets.mac_ports, &sets.mac_bindings,
          &sets.ip6_claimed, &sets.ip6_bindings, &sets.ip_mac_fast, &sets.ip_fast})
        if (named(set)) table.sets.push_back(std::move(*set));
    return table;
}

} // namespace phx::fw::detail

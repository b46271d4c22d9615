// SPDX-License-Identifier: GPL-3.0-or-later
// Evaluation of one packet against the placed rows; see explain.hpp.
#include "fwcompile/views/explain.hpp"

#include "common/suggest.hpp"
#include "fwcompile/analyse/place.hpp"

#include <fmt/format.h>

namespace phx::fw {
namespace {

// A side pinned to the chain's own host is not matched by the chain: it
// holds whatever address of the host the packet uses (lower/lower.cpp).
bool matches_at(const Flow& flow, const Packet& packet, ir::Hook hook, HostIndex self) {
    const auto implied = [&](const AddressList& list) {
        return list.items.size() == 1 && list.items[0].from_scope && list.items[0].host == self;
    };
    const bool any_destination = hook == ir::Hook::input && implied(flow.destination);
    const bool any_source = hook == ir::Hook::output && implied(flow.source);
    if (!any_destination && !any_source) return matches(flow, packet);
    Flow relaxed = flow;
    if (any_destination) relaxed.destination.items.clear();
    if (any_source) relaxed.source.items.clear();
    return matches(relaxed, packet);
}

Decision decide(const RuleSet& rules, const Target& target, ir::Hook hook, const Packet& packet) {
    return decide_at(rules, target, hook, packet);
}

void explain_hypervisor(const RuleSet& rules, const Packet& p, Explanation& e) {
    const Inventory& inv = rules.inventory;
    const IpAddress& self = inv.hypervisor().address;
    const Target target{};
    if (p.source == self) e.hypervisor.push_back(decide(rules, target, ir::Hook::output, p));
    if (p.destination == self) e.hypervisor.push_back(decide(rules, target, ir::Hook::input, p));
    if (p.source == self || p.destination == self) return;
    const auto src = inv.find_by_address(p.source);
    const auto dst = inv.find_by_address(p.destination);
    if (src || dst)
        e.hypervisor.push_back(decide(rules, target, ir::Hook::forward, p));
    else if (!inv.in_network(p.source) && !inv.in_network(p.destination))
        e.hypervisor_note = fmt::format(
            "not ours: passes (neither end is on {}; phx-fw filters only what crosses its "
            "bridges and the hypervisor's own traffic)",
            inv.bridge_list());
    else
        e.hypervisor_note =
            "neither end is a guest or the hypervisor: the flow does not cross the hypervisor";
}

void explain_hosts(const RuleSet& rules, const Packet& p, Explanation& e) {
    const Inventory& inv = rules.inventory;
    if (const auto src = inv.find_by_address(p.source))
        e.hosts.push_back(decide(rules, Target{src}, ir::Hook::output, p));
    if (const auto dst = inv.find_by_address(p.destination))
        e.hosts.push_back(decide(rules, Target{dst}, ir::Hook::input, p));
    const auto guest = [](std::optional<HostIndex> h) { return h && *h != kHypervisor; };
    if (e.hosts.empty())
        e.hosts_note = "neither end is a host of the inventory: no host filters this flow";
    else if (guest(inv.find_by_address(p.source)) || guest(inv.find_by_address(p.destination)))
        e.hosts_note = "(a guest's own chains trust source addresses; only the hypervisor target "
                       "binds them to ports)";
}

std::string endpoint_text(const IpAddress& a, const Inventory& inventory) {
    if (const auto h = inventory.find_by_address(a)) return inventory.describe(*h);
    if (const auto* node = inventory.find_node(a))
        return fmt::format("{} (node {} of the cluster)", a.to_string(), node->name);
    return fmt::format("{} (not in the inventory)", a.to_string());
}

std::string decision_text(const Decision& d) {
    const std::string verdict =
        d.accepted ? "accept" : (d.row ? std::string{to_string(d.row->action)} : "drop");
    if (!d.row) return fmt::format("  {}: {} by policy (no row matches)\n", d.point, verdict);
    return fmt::format("  {}: {} by {} \"{}\"\n", d.point, verdict, row_source(*d.row),
                       d.row->comment);
}

std::string verdict_text(const std::vector<Decision>& decisions) {
    for (const auto& d : decisions)
        if (!d.accepted)
            return d.row ? fmt::format("{} by the row at {}", to_string(d.row->action),
                                       row_source(*d.row))
                         : std::string{"drop by policy"};
    return "accept";
}

} // namespace

Decision decide_at(const RuleSet& rules, const Target& target, ir::Hook hook,
                   const Packet& packet) {
    Decision d;
    const std::string hook_name{ir::to_string(hook)};
    d.point = target.host
                  ? fmt::format("{} {}", rules.inventory.hosts[*target.host].name, hook_name)
                  : hook_name;
    for (const auto& plan : place(rules, target)) {
        if (plan.hook != hook) continue;
        d.row = first_match(plan, target.self(), packet);
        d.accepted = d.row && d.row->action == Action::accept;
    }
    return d;
}

const Row* first_match(const ChainPlan& plan, HostIndex self, const Packet& packet) {
    for (const Row* row : plan.rows)
        if (matches_at(*row->effective(), packet, plan.hook, self)) return row;
    return nullptr;
}

Explanation explain(const RuleSet& rules, const Packet& packet) {
    Explanation e{packet, {}, {}, {}, {}};
    if (packet.source == packet.destination) {
        e.hypervisor_note = e.hosts_note =
            "source and destination are the same host: loopback, always accepted";
        return e;
    }
    explain_hypervisor(rules, packet, e);
    explain_hosts(rules, packet, e);
    return e;
}

std::string format_explanation(const RuleSet& rules, const Explanation& e) {
    const Packet& p = e.packet;
    const bool ports = p.protocol == Protocol::tcp || p.protocol == Protocol::udp;
    std::string out =
        fmt::format("{} -> {} {}{}, a new connection\n", endpoint_text(p.source, rules.inventory),
                    endpoint_text(p.destination, rules.inventory), to_string(p.protocol),
                    ports ? fmt::format("/{}", p.port) : std::string{});
    out += "hypervisor target (phx-fw apply):\n";
    for (const auto& d : e.hypervisor) out += decision_text(d);
    if (!e.hypervisor_note.empty()) out += fmt::format("  {}\n", e.hypervisor_note);
    out += "host target (phx-fw apply --host on every host):\n";
    for (const auto& d : e.hosts) out += decision_text(d);
    if (!e.hosts_note.empty()) out += fmt::format("  {}\n", e.hosts_note);
    const std::string hv = verdict_text(e.hypervisor);
    const std::string hosts = verdict_text(e.hosts);
    if (hv == hosts) return out + fmt::format("verdict: {}\n", hv);
    return out + fmt::format("verdict: {} (hypervisor target), {} (host target)\n", hv, hosts);
}

std::optional<IpAddress> parse_endpoint(std::string_view text, const Inventory& inventory,
                                        std::string_view what, Diagnostics& diag) {
    if (const auto host = inventory.find(text)) return inventory.hosts[*host].address;
    if (auto address = IpAddress::parse(text)) return address;
    std::vector<std::string_view> names;
    for (const auto& h : inventory.hosts) names.push_back(h.name);
    diag.error({std::string{what}},
               fmt::format("'{}' is neither a host of the inventory nor an IP address{}", text,
                           did_you_mean(text, names)));
    return std::nullopt;
}

std::optional<Packet> parse_packet(std::string_view source, std::string_view destination,
                                   std::string_view protocol, std::string_view port,
                                   const Inventory& inventory, Diagnostics& diag) {
    Packet p;
    auto src = parse_endpoint(source, inventory, "SRC", diag);
    auto dst = parse_endpoint(destination, inventory, "DST", diag);
    if (protocol == "tcp")
        p.protocol = Protocol::tcp;
    else if (protocol == "udp")
        p.protocol = Protocol::udp;
    else if (protocol == "icmp")
        p.protocol = Protocol::icmp;
    else if (protocol == "icmpv6")
        p.protocol = Protocol::icmpv6;
    else {
        static constexpr std::string_view kProtocols[] = {"tcp", "udp", "icmp", "icmpv6"};
        diag.error({"PROTO"}, fmt::format("'{}' is not tcp, udp, icmp or icmpv6{}", protocol,
                                          did_you_mean(protocol, kProtocols)));
        return std::nullopt;
    }
    const bool needs_port = p.protocol == Protocol::tcp || p.protocol == Protocol::udp;
    if (needs_port) {
        const auto number = parse_uint(port, 65535);
        if (!number)
            diag.error({"PORT"},
                       fmt::format("'{}' is not a port (0-65535); {} needs one", port, protocol));
        else
            p.port = static_cast<std::uint16_t>(*number);
    } else if (!port.empty()) {
        diag.error({"PORT"}, fmt::format("{} has no ports; leave PORT out", protocol));
    }
    if (src && dst && src->family != dst->family)
        diag.error({"DST"}, "source and destination must both be IPv4 or both IPv6");
    if (diag.failed() || !src || !dst) return std::nullopt;
    p.source = *src;
    p.destination = *dst;
    return p;
}

} // namespace phx::fw

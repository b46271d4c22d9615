// SPDX-License-Identifier: GPL-3.0-or-later
// The table and its base chains, each opening with the rules every chain
// needs before the rows (POLICY.md, "Every chain").
#include "fwcompile/lower/lower.hpp"

#include "fwcompile/lower/detail.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>

namespace phx::fw {
namespace {

constexpr ir::OriginId kRulesFile = 0;

ir::Rule ct_state_rule(std::uint32_t states, ir::Verdict verdict, std::string comment) {
    ir::Rule rule;
    rule.matches.push_back(ir::CtStateMatch{states});
    rule.verdict = verdict;
    rule.comment = std::move(comment);
    rule.origin = kRulesFile;
    return rule;
}

// The loopback interface is ifindex 1 in every network namespace.
ir::Rule loopback_rule(bool input) {
    ir::Rule rule;
    rule.matches.push_back(ir::InterfaceMatch{input, 1, "lo"});
    rule.verdict = ir::Verdict::accept;
    rule.comment = "loopback";
    rule.origin = kRulesFile;
    return rule;
}

// Anonymous sets are numbered in creation order, as the kernel names them
// in a fresh table.
std::string anonymous_set_name(const ir::Table& table) {
    const auto count = std::count_if(table.sets.begin(), table.sets.end(),
                                     [](const ir::Set& s) { return s.anonymous; });
    return fmt::format("__set{}", count);
}

// RFC 4890 section 4.4.1: without neighbour discovery and MLD, IPv6 on the
// bridge stops working. Conntrack leaves these untracked, so the state rules
// above do not admit them.
ir::Rule neighbour_discovery_rule(ir::Table& table) {
    ir::Set types;
    types.name = anonymous_set_name(table);
    types.key = {ir::Type::icmpv6_type};
    types.anonymous = true;
    types.origin = kRulesFile;
    const std::initializer_list<std::uint8_t> kTypes{
        MLD_LISTENER_QUERY,
        MLD_LISTENER_REPORT,
        MLD_LISTENER_REDUCTION,
        ND_ROUTER_SOLICIT,
        ND_ROUTER_ADVERT,
        ND_NEIGHBOR_SOLICIT,
        ND_NEIGHBOR_ADVERT,
        143, // MLDv2 listener report, RFC 3810
    };
    for (const std::uint8_t type : kTypes)
        types.elements.push_back({{ir::interval_of_byte(type)}, {}, {}, kRulesFile});
    ir::Rule rule;
    rule.matches.push_back(
        ir::FieldMatch{ir::Field::l4proto, ir::interval_of_byte(IPPROTO_ICMPV6)});
    rule.matches.push_back(ir::SetMatch{{ir::Field::icmpv6_type}, types.name});
    rule.verdict = ir::Verdict::accept;
    rule.comment = "IPv6 neighbour discovery and MLD (RFC 4890)";
    rule.origin = kRulesFile;
    table.sets.push_back(std::move(types));
    return rule;
}

// The hypervisor target's scope: what is forwarded without entering or
// leaving one of the inventory's bridges (another bridge, docker0, a routed
// VLAN) is not ours, and passes before conntrack's verdicts could touch it.
// On bridged packets iifname and oifname are the bridge's name.
ir::Rule not_ours_rule(const Inventory& inventory, ir::Table& table) {
    ir::Rule rule;
    for (const ir::Field field : {ir::Field::iifname, ir::Field::oifname}) {
        if (inventory.bridges.size() == 1) {
            rule.matches.push_back(
                ir::FieldMatch{field, ir::interval_of_name(inventory.bridges.front()), true});
            continue;
        }
        ir::Set names;
        names.name = anonymous_set_name(table);
        names.key = {ir::Type::ifname};
        names.anonymous = true;
        names.origin = kRulesFile;
        for (const auto& bridge : inventory.bridges)
            names.elements.push_back({{ir::interval_of_name(bridge)}, {}, {}, kRulesFile});
        rule.matches.push_back(ir::SetMatch{{field}, names.name, true});
        table.sets.push_back(std::move(names));
    }
    rule.verdict = ir::Verdict::accept;
    rule.counter = false;
    rule.comment = fmt::format("not through {}: not phx-fw's", inventory.bridge_list());
    rule.origin = kRulesFile;
    return rule;
}

// Where a log line comes from: the chain, and the host for a host target.
std::string point_name(ir::Hook hook, const RuleSet& rules, const Target& target) {
    if (!target.host) return std::string{ir::to_string(hook)};
    return fmt::format("{} {}", rules.inventory.hosts[*target.host].name, ir::to_string(hook));
}

// What no row accepted: logged (rate-limited), then counted and dropped,
// so `phx-fw list` and `phx-fw watch` show it. The chain's policy is drop
// as well, in case a rule is ever missing.
void add_policy_rules(ir::Chain& chain, const std::string& point, const Logging& logging) {
    if (logging.drops) {
        ir::Rule log;
        log.limit = ir::Limit{logging.per_second, logging.burst};
        log.log = ir::Log{fmt::format("phx-fw drop {}: ", point), logging.group};
        log.counter = false;
        log.verdict = ir::Verdict::none;
        log.origin = kRulesFile;
        chain.rules.push_back(std::move(log));
    }
    ir::Rule drop;
    drop.verdict = ir::Verdict::drop;
    drop.comment = "policy: drop what no row accepts";
    drop.origin = kRulesFile;
    chain.rules.push_back(std::move(drop));
}

ir::Chain base_chain(ir::Hook hook, ir::Table& table) {
    ir::Chain chain;
    chain.name = std::string{ir::to_string(hook)};
    chain.hook = hook;
    chain.rules.push_back(ct_state_rule(ir::kCtEstablished | ir::kCtRelated, ir::Verdict::accept,
                                        "replies and related traffic of allowed connections"));
    chain.rules.push_back(
        ct_state_rule(ir::kCtInvalid, ir::Verdict::drop, "packets conntrack cannot place"));
    if (hook != ir::Hook::forward) chain.rules.push_back(loopback_rule(hook == ir::Hook::input));
    chain.rules.push_back(neighbour_discovery_rule(table));
    return chain;
}

} // namespace

namespace detail {

std::string file_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

ir::OriginId origin_of(const Row& row, const RuleSet& rules) {
    return static_cast<ir::OriginId>(&row - rules.rows.data()) + 1;
}

const Flow& flow_at(const Row& row, const LowerContext& ctx, Flow& scratch) {
    const Flow& flow = *row.effective();
    const auto implied = [&](const AddressList& list) {
        return list.items.size() == 1 && list.items[0].from_scope && list.items[0].host == ctx.self;
    };
    const bool no_destination = ctx.hook == ir::Hook::input && implied(flow.destination);
    const bool no_source = ctx.hook == ir::Hook::output && implied(flow.source);
    if (!no_destination && !no_source) return flow;
    // Only the side the chain still matches is copied.
    const auto copy_side = [](bool left_out, const AddressList& from, AddressList& to) {
        if (left_out)
            to.items.clear();
        else
            to = from;
    };
    copy_side(no_source, flow.source, scratch.source);
    copy_side(no_destination, flow.destination, scratch.destination);
    scratch.protocol = flow.protocol;
    scratch.ports = flow.ports;
    return scratch;
}

} // namespace detail

std::string target_name(const RuleSet& rules, const Target& target) {
    const Inventory& inventory = rules.inventory;
    if (!target.host && inventory.cluster())
        return fmt::format("the hypervisor target on node {} ({})", inventory.node().name,
                           inventory.node().address.to_string());
    if (!target.host) return "the hypervisor target";
    return "host " + inventory.describe(*target.host);
}

ir::Table lower_inet(const RuleSet& rules, const Target& target) {
    ir::Table table;
    table.texts = rules.texts; // the elements' comments are their rows'
    table.comment = fmt::format("phx-fw: {}, rules {}", target_name(rules, target),
                                detail::file_name(rules.file));
    table.origins.reserve(rules.rows.size() + 1);
    table.origins.push_back(SourcePos{rules.file, 0, 0});
    for (const auto& row : rules.rows) table.origins.push_back(row.at);
    for (const auto& plan : place(rules, target)) {
        ir::Chain chain;
        if (plan.hook == ir::Hook::forward) {
            ir::Rule scope = not_ours_rule(rules.inventory, table);
            chain = base_chain(plan.hook, table);
            chain.rules.insert(chain.rules.begin(), std::move(scope));
        } else {
            chain = base_chain(plan.hook, table);
        }
        detail::LowerContext ctx{rules, table, plan.hook, target.self(), chain.name, 0};
        detail::lower_rows(plan.rows, chain, ctx);
        add_policy_rules(chain, point_name(plan.hook, rules, target), rules.logging);
        table.chains.push_back(std::move(chain));
    }
    return table;
}

ir::Ruleset lower(const RuleSet& rules, const Target& target) {
    ir::Ruleset ruleset;
    ruleset.tables.push_back(lower_inet(rules, target));
    if (!target.host) ruleset.tables.push_back(detail::lower_bridge(rules));
    return ruleset;
}

} // namespace phx::fw

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

ir::OriginId origin_of(const Row& row, const RuleSet& rules) {
    return static_cast<ir::OriginId>(&row - rules.rows.data()) + 1;
}

const Flow& flow_at(const Row& row, const LowerContext& ctx, Flow& scratch) {
    const Flow& flow = *row.effective;
    const auto implied = [&](const AddressList& list) {
        return list.items.size() == 1 && list.items[0].from_scope && list.items[0].host == ctx.self;
    };
    const bool no_destination = ctx.hook == ir::Hook::input && implied(flow.destination);
    const bool no_source = ctx.hook == ir::Hook::output && implied(flow.source);
    if (!no_destination && !no_source) return flow;
    scratch = flow;
    if (no_destination) scratch.destination.items.clear();
    if (no_source) scratch.source.items.clear();
    return scratch;
}

} // namespace detail

ir::Table lower(const RuleSet& rules, const Target& target) {
    ir::Table table;
    table.origins.reserve(rules.rows.size() + 1);
    table.origins.push_back(SourcePos{rules.file, 0, 0});
    for (const auto& row : rules.rows) table.origins.push_back(row.at);
    for (const auto& plan : place(rules, target)) {
        ir::Chain chain = base_chain(plan.hook, table);
        detail::LowerContext ctx{rules, table, plan.hook, target.self(), chain.name, 0};
        detail::lower_rows(plan.rows, chain, ctx);
        table.chains.push_back(std::move(chain));
    }
    return table;
}

} // namespace phx::fw

// SPDX-License-Identifier: GPL-3.0-or-later
// The table printer. Layout and wording follow nft 1.0's listing: sets
// first, then chains, each block separated by an empty line; a protocol
// match that only establishes "tcp"/"udp" for a following port is folded
// into "tcp dport", as nft removes such dependencies when it prints.
#include "fwcompile/nft_text.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace phx::fw {
namespace {

std::string counter_text(const ir::Counter& c, const TextStyle& style) {
    if (!style.counter_values) return "counter";
    return fmt::format("counter packets {} bytes {}", c.packets, c.bytes);
}

std::string element_text(const ir::Set& set, const ir::Element& e, const TextStyle& style) {
    std::string out;
    for (std::size_t i = 0; i < e.key.size(); ++i) {
        if (i > 0) out += " . ";
        out += value_text(set.key[i], e.key[i]);
    }
    if (set.counter) out += fmt::format(" {}", counter_text(e.counter, style));
    if (!e.comment.empty()) out += fmt::format(" comment \"{}\"", e.comment);
    return out;
}

std::vector<std::string> element_lines(const ir::Set& set, const TextStyle& style) {
    std::vector<std::string> lines;
    lines.reserve(set.elements.size());
    for (const auto& e : set.elements) lines.push_back(element_text(set, e, style));
    if (style.sorted_elements) std::sort(lines.begin(), lines.end());
    return lines;
}

std::string ct_state_text(std::uint32_t states) {
    static constexpr std::pair<std::uint32_t, std::string_view> kNames[] = {
        {ir::kCtInvalid, "invalid"},     {ir::kCtEstablished, "established"},
        {ir::kCtRelated, "related"},     {ir::kCtNew, "new"},
        {ir::kCtUntracked, "untracked"},
    };
    std::vector<std::string_view> names;
    for (const auto& [bit, name] : kNames)
        if (states & bit) names.push_back(name);
    return fmt::format("ct state {}", fmt::join(names, ","));
}

bool uses(const ir::Match& m, ir::Field field) {
    if (const auto* f = std::get_if<ir::FieldMatch>(&m)) return f->field == field;
    if (const auto* s = std::get_if<ir::SetMatch>(&m))
        return std::find(s->key.begin(), s->key.end(), field) != s->key.end();
    return false;
}

// The protocol a later match depends on, when this match is only that
// dependency: tcp/udp before a port, ipv6-icmp before an ICMPv6 type.
std::optional<std::string> folded_protocol(const std::vector<ir::Match>& matches, std::size_t i) {
    const auto* f = std::get_if<ir::FieldMatch>(&matches[i]);
    if (!f || f->field != ir::Field::l4proto || !f->value.point() || f->negate) return std::nullopt;
    const std::uint8_t proto = f->value.lo.bytes[0];
    for (std::size_t j = i + 1; j < matches.size(); ++j) {
        if ((proto == 6 || proto == 17) &&
            (uses(matches[j], ir::Field::th_dport) || uses(matches[j], ir::Field::th_sport)))
            return proto == 6 ? "tcp" : "udp";
        if (proto == 58 && uses(matches[j], ir::Field::icmpv6_type)) return "ipv6-icmp";
    }
    return std::nullopt;
}

std::string field_text(ir::Field field, const std::string& transport) {
    if (field == ir::Field::th_dport && !transport.empty()) return transport + " dport";
    if (field == ir::Field::th_sport && !transport.empty()) return transport + " sport";
    return std::string{ir::info(field).text};
}

std::string set_match_text(const ir::SetMatch& m, const std::string& transport,
                           const ir::Table& table, const TextStyle& style) {
    std::vector<std::string> fields;
    for (const auto field : m.key) fields.push_back(field_text(field, transport));
    const ir::Set* set = table.find_set(m.set);
    const char* op = m.negate ? " != " : " ";
    if (!set || !set->anonymous) return fmt::format("{}{}@{}", fmt::join(fields, " . "), op, m.set);
    return fmt::format("{}{}{{ {} }}", fmt::join(fields, " . "), op,
                       fmt::join(element_lines(*set, style), ", "));
}

std::string match_text(const ir::Match& match, const std::string& transport, const ir::Table& table,
                       const TextStyle& style) {
    if (const auto* ct = std::get_if<ir::CtStateMatch>(&match)) return ct_state_text(ct->states);
    if (const auto* i = std::get_if<ir::InterfaceMatch>(&match))
        return fmt::format("{} \"{}\"", i->input ? "iif" : "oif", i->name);
    if (const auto* f = std::get_if<ir::FieldMatch>(&match))
        return field_text(f->field, transport) + (f->negate ? " != " : " ") +
               value_text(ir::info(f->field).type, f->value);
    return set_match_text(std::get<ir::SetMatch>(match), transport, table, style);
}

std::string_view verdict_text(ir::Verdict verdict) {
    switch (verdict) {
    case ir::Verdict::accept:
        return "accept";
    case ir::Verdict::drop:
        return "drop";
    case ir::Verdict::reject_tcp_reset:
        return "reject with tcp reset";
    case ir::Verdict::reject_icmp:
        return "reject with icmp port-unreachable";
    case ir::Verdict::reject_icmpv6:
        return "reject with icmpv6 port-unreachable";
    case ir::Verdict::reject_icmpx:
        return "reject";
    case ir::Verdict::none:
        return "";
    }
    return "drop";
}

// nft prints a burst only when it is not the kernel's default of 5.
std::string limit_text(const ir::Limit& limit) {
    std::string out = fmt::format("limit rate {}/second", limit.per_second);
    if (limit.burst != 0 && limit.burst != 5) out += fmt::format(" burst {} packets", limit.burst);
    return out;
}

std::string log_text(const ir::Log& log) {
    return fmt::format("log prefix \"{}\" group {}", log.prefix, log.group);
}

std::string priority_text(const ir::Chain& chain, ir::Family family) {
    const std::int32_t filter =
        family == ir::Family::bridge ? ir::kBridgeFilterPriority : ir::kInetFilterPriority;
    if (chain.priority == filter) return "filter";
    return std::to_string(chain.priority);
}

// How many elements nft prints on one line of a named set (its
// calculate_delim()): IPv4 addresses two, protocols and ports five, any
// other type, and every concatenation, one.
std::size_t elements_per_line(const ir::Set& set) {
    if (set.key.size() != 1) return 1;
    switch (set.key.front()) {
    case ir::Type::ipv4_addr:
        return 2;
    case ir::Type::inet_proto:
    case ir::Type::inet_service:
        return 5;
    default:
        return 1;
    }
}

std::string joined_elements(const ir::Set& set, const std::vector<std::string>& lines) {
    const std::size_t per_line = elements_per_line(set);
    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) out += i % per_line == 0 ? ",\n\t\t\t     " : ", ";
        out += lines[i];
    }
    return out;
}

std::string set_block(const ir::Set& set, const TextStyle& style) {
    std::vector<std::string_view> types;
    for (const auto type : set.key) types.push_back(ir::info(type).name);
    std::string out = fmt::format("\tset {} {{\n\t\ttype {}\n", set.name, fmt::join(types, " . "));
    if (const auto size = ir::declared_size(set); size > 0)
        out += fmt::format("\t\tsize {}\n", size);
    if (set.interval) out += "\t\tflags interval\n";
    if (set.counter) out += "\t\tcounter\n";
    const auto lines = element_lines(set, style);
    if (!lines.empty())
        out += fmt::format("\t\telements = {{ {} }}\n", joined_elements(set, lines));
    return out + "\t}\n";
}

std::string chain_block(const ir::Chain& chain, const ir::Table& table, const TextStyle& style) {
    std::string out =
        fmt::format("\tchain {} {{\n\t\ttype filter hook {} priority {}; policy {};\n", chain.name,
                    ir::to_string(chain.hook), priority_text(chain, table.family),
                    chain.policy_drop ? "drop" : "accept");
    for (const auto& rule : chain.rules)
        out += fmt::format("\t\t{}\n", rule_text(rule, table, style));
    return out + "\t}\n";
}

} // namespace

std::string rule_text(const ir::Rule& rule, const ir::Table& table, const TextStyle& style) {
    if (!rule.undecoded.empty())
        return fmt::format("# phx-fw cannot decode this rule: {}", rule.undecoded);
    std::vector<std::string> parts;
    std::string transport;
    for (std::size_t i = 0; i < rule.matches.size(); ++i) {
        if (auto proto = folded_protocol(rule.matches, i)) {
            if (*proto != "ipv6-icmp") transport = *proto;
            continue;
        }
        parts.push_back(match_text(rule.matches[i], transport, table, style));
    }
    if (rule.limit) parts.push_back(limit_text(*rule.limit));
    if (rule.log) parts.push_back(log_text(*rule.log));
    if (rule.counter) parts.push_back(counter_text(rule.counts, style));
    if (rule.verdict != ir::Verdict::none) parts.emplace_back(verdict_text(rule.verdict));
    if (!rule.comment.empty()) parts.push_back(fmt::format("comment \"{}\"", rule.comment));
    return fmt::format("{}", fmt::join(parts, " "));
}

std::string to_nft_text(const ir::Table& table, const TextStyle& style) {
    std::vector<std::string> blocks;
    for (const auto& set : table.sets)
        if (!set.anonymous) blocks.push_back(set_block(set, style));
    for (const auto& chain : table.chains) blocks.push_back(chain_block(chain, table, style));
    for (const auto& what : table.undecoded)
        blocks.push_back(fmt::format("\t# phx-fw cannot decode {}\n", what));
    const std::string comment =
        table.comment.empty() ? std::string{} : fmt::format("\tcomment \"{}\"\n", table.comment);
    return fmt::format("table {} {} {{\n{}{}}}\n", ir::to_string(table.family), table.name, comment,
                       fmt::join(blocks, "\n"));
}

std::string to_nft_text(const ir::Ruleset& ruleset, const TextStyle& style) {
    std::string out;
    for (const auto& table : ruleset.tables) out += to_nft_text(table, style);
    return out;
}

} // namespace phx::fw

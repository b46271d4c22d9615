// SPDX-License-Identifier: GPL-3.0-or-later
// Live counters -> Prometheus text; see metrics.hpp.
#include "fwcompile/watch/metrics.hpp"

#include <fmt/format.h>
#include <unordered_map>
#include <vector>

namespace phx::fw::watch {
namespace {

// The comment lower/lower.cpp gives each inet chain's final drop.
constexpr std::string_view kPolicyDropComment = "policy: drop what no row accepts";

// One counter family pair (packets and bytes) with the same labels.
class Counters {
public:
    Counters(std::string name, std::string what) : name_{std::move(name)}, what_{std::move(what)} {}

    // Adds to the series with these labels (already formatted), or starts one.
    void add(const std::string& labels, const ir::Counter& c) {
        const auto [at, added] = index_.try_emplace(labels, series_.size());
        if (added) series_.push_back({labels, {}});
        series_[at->second].total.packets += c.packets;
        series_[at->second].total.bytes += c.bytes;
    }

    void print(std::string& out) const {
        if (series_.empty()) return;
        print_family(out, "packets", [](const ir::Counter& c) { return c.packets; });
        print_family(out, "bytes", [](const ir::Counter& c) { return c.bytes; });
    }

private:
    struct Series {
        std::string labels;
        ir::Counter total;
    };

    template <typename Value>
    void print_family(std::string& out, std::string_view unit, Value value) const {
        const std::string metric = fmt::format("phx_fw_{}_{}_total", name_, unit);
        out += fmt::format("# HELP {} {} {}.\n# TYPE {} counter\n", metric, unit, what_, metric);
        for (const auto& s : series_)
            out += fmt::format("{}{{{}}} {}\n", metric, s.labels, value(s.total));
    }

    std::string name_;
    std::string what_;
    std::vector<Series> series_;
    std::unordered_map<std::string, std::size_t> index_;
};

std::string label(std::string_view name, std::string_view value) {
    return fmt::format("{}=\"{}\"", name, escape_label_value(value));
}

std::string rule_labels(const ir::Table& table, const ir::Chain& chain, std::string_view comment) {
    return fmt::format(
        "{},{},{}", label("table", fmt::format("{} {}", ir::to_string(table.family), table.name)),
        label("chain", chain.name), label("comment", comment));
}

// The named set a rule looks packets up in, when that set counts per element.
const ir::Set* counting_set(const ir::Rule& rule, const ir::Table& table) {
    for (const auto& match : rule.matches)
        if (const auto* lookup = std::get_if<ir::SetMatch>(&match))
            if (const ir::Set* set = table.find_set(lookup->set); set && set->counter) return set;
    return nullptr;
}

struct Families {
    Counters rules{"rule", "matched by each rule of table inet phx, by comment (a set lookup: by "
                           "element comment, the row's)"};
    Counters policy{"policy_drop", "that no row accepted, dropped by each chain's policy rule"};
    Counters binding{"binding_drop",
                     "dropped by the address binding checks of table bridge phx, by rule comment"};
};

void add_inet_rule(const ir::Table& table, const ir::Chain& chain, const ir::Rule& rule,
                   Families& f) {
    if (rule.verdict == ir::Verdict::drop && rule.comment == kPolicyDropComment) {
        f.policy.add(label("chain", chain.name), rule.counts);
        return;
    }
    const ir::Set* set = counting_set(rule, table);
    if (!set) {
        f.rules.add(rule_labels(table, chain, rule.comment), rule.counts);
        return;
    }
    for (const auto& element : set->elements)
        f.rules.add(
            rule_labels(table, chain, element.comment.empty() ? rule.comment : element.comment),
            element.counter);
}

} // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string prometheus_text(const ir::Ruleset& live) {
    Families f;
    for (const auto& table : live.tables)
        for (const auto& chain : table.chains)
            for (const auto& rule : chain.rules) {
                if (!rule.counter || !rule.undecoded.empty()) continue;
                if (table.family == ir::Family::inet)
                    add_inet_rule(table, chain, rule, f);
                else if (rule.verdict == ir::Verdict::drop)
                    f.binding.add(label("comment", rule.comment), rule.counts);
            }
    std::string out;
    for (const Counters* c : {&f.rules, &f.policy, &f.binding}) c->print(out);
    return out;
}

} // namespace phx::fw::watch

// SPDX-License-Identifier: GPL-3.0-or-later
// Rows -> Graphviz DOT; see graph.hpp. Nodes come in inventory order, then
// the other endpoints as rows first name them; edges in row order.
#include "fwcompile/views/graph.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <optional>
#include <vector>

namespace phx::fw {
namespace {

// The Okabe-Ito palette, told apart with most colour blindness; the global
// table is black and each host's table takes the next colour.
constexpr std::array<const char*, 7> kScopeColours = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                                      "#E69F00", "#56B4E9", "#882255"};
constexpr const char* kGlobalColour = "#000000";
constexpr const char* kFont = "DejaVu Sans";

// A DOT string literal; "\n" inside `text` stays a line break.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string html(std::string_view text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string host_id(const Host& host) {
    return "host:" + host.name;
}

std::string host_label(const Host& host) {
    switch (host.kind) {
    case HostKind::hypervisor:
        return fmt::format("{}\nProxmox host\n{}", host.name, host.address.to_string());
    case HostKind::lxc:
        return fmt::format("{}\nLXC {}\n{}", host.name, host.id.value_or(0),
                           host.address.to_string());
    case HostKind::vm:
        return fmt::format("{}\nVM {}\n{}", host.name, host.id.value_or(0),
                           host.address.to_string());
    }
    return host.name;
}

std::string service(const Flow& flow) {
    if (flow.protocol == Protocol::any) return "any protocol";
    std::string text{to_string(flow.protocol)};
    if (flow.ports.any()) return text;
    std::vector<std::string> ports;
    for (const auto& range : flow.ports.ranges) ports.push_back(range.to_string());
    return fmt::format("{}/{}", text, fmt::join(ports, ","));
}

struct Node {
    std::string id, label, attributes;
};

struct Edge {
    std::string from, to;
    std::optional<HostIndex> scope;
    Action action = Action::accept;
    std::vector<std::string> labels; // one per row, no repeats
    std::vector<std::string> rows;   // "comment (line N)", for the tooltip
};

class Builder {
public:
    explicit Builder(const RuleSet& rules) : rules_{rules} {}

    std::string build(const std::string& title) {
        // [management]'s rows (the LAN to the hypervisor's SSH, web UI and
        // consoles) are the same in every policy; the picture is of the file's.
        for (const auto& row : rules_.rows)
            if (row.origin == RowOrigin::rule) add_row(row);
        std::string out = header(title);
        out += network_cluster();
        for (const auto& node : outside_) out += node_line(node);
        out += "\n";
        for (const auto& edge : edges_) out += edge_line(edge);
        out += legend();
        for (const auto& note : skipped_) out += fmt::format("  // {}\n", note);
        return out + "}\n";
    }

private:
    const Inventory& inventory() const { return rules_.inventory; }

    void add_row(const Row& row) {
        if (!row.effective()) {
            skipped_.push_back(fmt::format("line {}: \"{}\" can never match; not drawn",
                                           row.at.line, row.comment));
            return;
        }
        note_scope(row.scope);
        const Flow& flow = *row.effective();
        for (const auto& from : endpoints(flow.source))
            for (const auto& to : endpoints(flow.destination)) add_edge(row, from, to);
    }

    void note_scope(std::optional<HostIndex> scope) {
        if (std::find(scopes_.begin(), scopes_.end(), scope) == scopes_.end())
            scopes_.push_back(scope);
    }

    std::vector<std::string> endpoints(const AddressList& list) {
        if (list.any()) return {endpoint("any", "any address\n(LAN and internet)", "ellipse")};
        std::vector<std::string> ids;
        for (const auto& entry : list.items) {
            if (entry.host) {
                ids.push_back(host_id(inventory().hosts[*entry.host]));
                continue;
            }
            const std::string cidr = entry.cidr.to_string();
            const Cidr* network = inventory().network(entry.cidr.address.family);
            const bool inside = network && network->contains(entry.cidr);
            const char* where = network && entry.cidr == *network ? "the guest network"
                                : inside                          ? "in the guest network"
                                                                  : "outside the inventory";
            ids.push_back(endpoint("net:" + cidr, fmt::format("{}\n{}", cidr, where),
                                   inside ? "note" : "ellipse"));
        }
        return ids;
    }

    std::string endpoint(const std::string& id, const std::string& label, const char* shape) {
        const bool seen = std::any_of(outside_.begin(), outside_.end(),
                                      [&](const Node& n) { return n.id == id; });
        if (!seen)
            outside_.push_back(
                {id, label, fmt::format("shape={}, style=filled, fillcolor=\"#f3f3f3\"", shape)});
        return id;
    }

    void add_edge(const Row& row, const std::string& from, const std::string& to) {
        auto it = std::find_if(edges_.begin(), edges_.end(), [&](const Edge& e) {
            return e.from == from && e.to == to && e.scope == row.scope && e.action == row.action;
        });
        if (it == edges_.end())
            it = edges_.insert(edges_.end(), {from, to, row.scope, row.action, {}, {}});
        const std::string prefix =
            row.action == Action::accept ? "" : std::string{to_string(row.action)} + " ";
        const std::string label = prefix + service(*row.effective());
        if (std::find(it->labels.begin(), it->labels.end(), label) == it->labels.end())
            it->labels.push_back(label);
        it->rows.push_back(fmt::format("{} (line {})", row.comment, row.at.line));
    }

    std::string colour(std::optional<HostIndex> scope) const {
        if (!scope) return kGlobalColour;
        std::size_t rank = 0;
        for (const auto& s : scopes_)
            if (s && *s < *scope) ++rank;
        return kScopeColours[rank % kScopeColours.size()];
    }

    std::string scope_name(std::optional<HostIndex> scope) const {
        if (!scope) return "global (datacenter) table";
        const Host& host = inventory().hosts[*scope];
        if (host.kind == HostKind::hypervisor) return host.name + "'s table";
        return fmt::format("{} ({} {}) table", host.name, host.kind == HostKind::vm ? "VM" : "LXC",
                           host.id.value_or(0));
    }

    std::string header(const std::string& title) const {
        return fmt::format(
            "// The Phoenix firewall policy, drawn by `phx-fw graph`; render it with dot -Tsvg.\n"
            "digraph policy {{\n"
            "  graph [rankdir=LR, ranksep=1.4, nodesep=0.35, fontname={0}, fontsize=14, "
            "labelloc=t, label={1}];\n"
            "  node [fontname={0}, fontsize=10, shape=box, style=\"rounded,filled\", "
            "fillcolor=\"#ffffff\"];\n"
            "  edge [fontname={0}, fontsize=9, arrowsize=0.7];\n\n",
            quoted(kFont),
            quoted(fmt::format("Phoenix firewall ({}): the new connections each row allows or "
                               "refuses",
                               title)));
    }

    static std::string node_line(const Node& node) {
        return fmt::format("  {} [label={}, {}];\n", quoted(node.id), quoted(node.label),
                           node.attributes);
    }

    std::string network_cluster() const {
        std::string out = fmt::format(
            "  subgraph cluster_network {{\n    label={};\n    style=\"rounded,dashed\";\n"
            "    color=\"#888888\";\n",
            quoted(fmt::format("bridge {}, {}", inventory().bridge_list(),
                               inventory().networks.front().to_string())));
        for (const auto& host : inventory().hosts) {
            const bool hypervisor = host.kind == HostKind::hypervisor;
            out += "  " + node_line({host_id(host), host_label(host),
                                     hypervisor ? "shape=box3d, style=filled, fillcolor=\"#dddddd\""
                                     : host.kind == HostKind::vm ? "fillcolor=\"#fff4e0\""
                                                                 : "fillcolor=\"#e8f1fb\""});
        }
        return out + "  }\n";
    }

    std::string edge_line(const Edge& edge) const {
        const std::string c = colour(edge.scope);
        const char* style = edge.action == Action::accept ? "solid"
                            : edge.action == Action::drop ? "dashed"
                                                          : "dotted";
        return fmt::format(
            "  {} -> {} [label={}, color={}, fontcolor={}, style={}, arrowhead={}, "
            "penwidth={}, tooltip={}];\n",
            quoted(edge.from), quoted(edge.to),
            quoted(fmt::format("{}", fmt::join(edge.labels, "\n"))), quoted(c), quoted(c), style,
            edge.action == Action::accept ? "normal" : "tee",
            edge.action == Action::accept ? "1.2" : "2",
            quoted(fmt::format("{}: {}", scope_name(edge.scope), fmt::join(edge.rows, "; "))));
    }

    std::string legend() const {
        std::vector<std::optional<HostIndex>> shown = scopes_;
        std::sort(shown.begin(), shown.end()); // global first, then inventory order
        std::string rows;
        for (const auto& scope : shown)
            rows += fmt::format(
                "<TR><TD BGCOLOR=\"{}\" WIDTH=\"24\"></TD><TD ALIGN=\"LEFT\">{}</TD></TR>",
                colour(scope), html(scope_name(scope)));
        return fmt::format(
            "\n  subgraph cluster_legend {{\n    label=\"\";\n    style=invis;\n"
            "    legend [shape=plaintext, style=\"\", label=<<TABLE BORDER=\"0\" CELLBORDER=\"1\" "
            "CELLSPACING=\"0\" CELLPADDING=\"4\"><TR><TD COLSPAN=\"2\"><B>edge colour: the rule "
            "table (scope) of the row</B></TD></TR>{}<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\">solid "
            "arrow: accept; dashed, bar head: drop; dotted, bar head: reject<BR ALIGN=\"LEFT\"/>"
            "labels: protocol/ports of the new connection; replies always pass<BR "
            "ALIGN=\"LEFT\"/>whatever no row admits is dropped<BR ALIGN=\"LEFT\"/></TD></TR>"
            "</TABLE>>];\n  }}\n",
            rows);
    }

    const RuleSet& rules_;
    std::vector<Node> outside_;
    std::vector<Edge> edges_;
    std::vector<std::optional<HostIndex>> scopes_;
    std::vector<std::string> skipped_;
};

} // namespace

std::string policy_graph(const RuleSet& rules, const std::string& title) {
    return Builder{rules}.build(title);
}

} // namespace phx::fw

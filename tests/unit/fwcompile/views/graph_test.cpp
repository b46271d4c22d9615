// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw graph: which nodes and edges the DOT holds, how rows merge, how
// actions and scopes look, and that comments cannot break the DOT syntax.
#include "fwcompile/views/graph.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;

namespace {

std::string graph_of(const std::string& rows) {
    const auto loaded = fw::test::load_rows(rows);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    return policy_graph(*loaded.rules, "rules.toml");
}

// The one edge line from `from` to `to`; fails unless there is exactly one.
std::string edge(const std::string& dot, const std::string& from, const std::string& to) {
    const std::string head = "  \"" + from + "\" -> \"" + to + "\" [";
    const auto at = dot.find(head);
    REQUIRE_MESSAGE(at != std::string::npos, "no edge " << from << " -> " << to << " in\n" << dot);
    CHECK_MESSAGE(dot.find(head, at + 1) == std::string::npos,
                  "two edges " << from << " -> " << to);
    return dot.substr(at, dot.find('\n', at) - at);
}

const std::string kAcceptTwoPorts = R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "nginx"
protocol = "tcp"
ports = 80
comment = "web"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "nginx"
protocol = "tcp"
ports = [443, "8000-8100"]
comment = "tls and apps"
)";

} // namespace

TEST_CASE("graph: every host is a node with its name, Proxmox id and address") {
    const std::string dot = graph_of("");
    CHECK(dot.find("\"host:pve\" [label=\"pve\\nProxmox host\\n10.0.0.13\", shape=box3d") !=
          std::string::npos);
    CHECK(dot.find("\"host:nginx\" [label=\"nginx\\nLXC 101\\n10.0.0.153\"") != std::string::npos);
    CHECK(dot.find("\"host:portainer\" [label=\"portainer\\nVM 1001\\n10.0.0.111\"") !=
          std::string::npos);
    CHECK(dot.find("subgraph cluster_network") != std::string::npos);
    CHECK(dot.find(" -> ") == std::string::npos); // no rows, no edges
}

TEST_CASE("graph: rows with the same ends, scope and action share one edge, a label line each") {
    const std::string dot = graph_of(kAcceptTwoPorts);
    const std::string e = edge(dot, "any", "host:nginx");
    CHECK(e.find("label=\"tcp/80\\ntcp/443,8000-8100\"") != std::string::npos);
    CHECK(e.find("style=solid, arrowhead=normal") != std::string::npos);
    CHECK(e.find("tooltip=\"global (datacenter) table: web (line 25); tls and apps (line 34)\"") !=
          std::string::npos);
    CHECK(dot.find("\"any\" [label=\"any address\\n(LAN and internet)\", shape=ellipse") !=
          std::string::npos);
}

TEST_CASE("graph: drop and reject rows are dashed and dotted, with a bar for a head") {
    const std::string dot = graph_of(R"(
[[rule]]
scope = "traefik"
direction = "in"
action = "drop"
source = "nginx"
protocol = "udp"
comment = "no udp from nginx"

[[rule]]
scope = "traefik"
direction = "in"
action = "reject"
source = "portainer"
comment = "nothing from portainer"
)");
    const std::string drop = edge(dot, "host:nginx", "host:traefik");
    CHECK(drop.find("label=\"drop udp\"") != std::string::npos);
    CHECK(drop.find("style=dashed, arrowhead=tee") != std::string::npos);
    const std::string reject = edge(dot, "host:portainer", "host:traefik");
    CHECK(reject.find("label=\"reject any protocol\"") != std::string::npos);
    CHECK(reject.find("style=dotted, arrowhead=tee") != std::string::npos);
}

TEST_CASE("graph: the scope colours the edge and the legend names every scope once") {
    const std::string dot = graph_of(kAcceptTwoPorts + R"(
[[rule]]
scope = "nginx"
direction = "out"
action = "accept"
destination = "traefik"
protocol = "tcp"
ports = 80
comment = "proxy"
)");
    CHECK(edge(dot, "any", "host:nginx").find("color=\"#000000\"") != std::string::npos);
    CHECK(edge(dot, "host:nginx", "host:traefik").find("color=\"#0072B2\"") != std::string::npos);
    CHECK(dot.find("<TD BGCOLOR=\"#000000\" WIDTH=\"24\"></TD><TD ALIGN=\"LEFT\">global "
                   "(datacenter) table</TD>") != std::string::npos);
    CHECK(dot.find("<TD BGCOLOR=\"#0072B2\" WIDTH=\"24\"></TD><TD ALIGN=\"LEFT\">nginx (LXC 101) "
                   "table</TD>") != std::string::npos);
    CHECK(dot.find("traefik (LXC 102) table") == std::string::npos); // no row in its table
}

TEST_CASE("graph: a global out row starts at the hypervisor, as its scope makes it") {
    const std::string dot = graph_of(R"(
[[rule]]
scope = "global"
direction = "out"
action = "accept"
comment = "the hypervisor may send anything"
)");
    CHECK(edge(dot, "host:pve", "any").find("label=\"any protocol\"") != std::string::npos);
}

TEST_CASE("graph: prefixes and addresses outside the inventory are nodes of their own") {
    const std::string dot = graph_of(R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = ["10.0.0.0/24", "192.168.1.0/24", "10.0.0.50"]
destination = "pve"
protocol = "udp"
ports = 53
comment = "dns"
)");
    CHECK(dot.find("\"net:10.0.0.0/24\" [label=\"10.0.0.0/24\\nthe guest network\", shape=note") !=
          std::string::npos);
    CHECK(dot.find("\"net:192.168.1.0/24\" [label=\"192.168.1.0/24\\noutside the inventory\", "
                   "shape=ellipse") != std::string::npos);
    CHECK(dot.find("\"net:10.0.0.50\" [label=\"10.0.0.50\\nin the guest network\"") !=
          std::string::npos);
    for (const char* from : {"net:10.0.0.0/24", "net:192.168.1.0/24", "net:10.0.0.50"})
        CHECK(edge(dot, from, "host:pve").find("label=\"udp/53\"") != std::string::npos);
}

TEST_CASE("graph: a backslash in a comment cannot escape out of a DOT string") {
    const std::string dot = graph_of(R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "nginx"
protocol = "tcp"
ports = 80
comment = 'C:\temp\'
)");
    CHECK(edge(dot, "any", "host:nginx")
              .find(R"x(tooltip="global (datacenter) table: C:\\temp\\ (line 25)")x") !=
          std::string::npos);
}

TEST_CASE("graph: a row that can never match is not drawn, and the DOT says so") {
    const std::string dot = graph_of(R"(
[[rule]]
scope = "nginx"
direction = "out"
action = "accept"
source = "traefik"
destination = "portainer"
comment = "not nginx's to give"
)");
    CHECK(dot.find(" -> ") == std::string::npos);
    CHECK(dot.find("// line 25: \"not nginx's to give\" can never match; not drawn") !=
          std::string::npos);
}

TEST_CASE("graph: the same rules give the same text, which names no path") {
    const auto loaded = fw::test::load_rows(kAcceptTwoPorts);
    REQUIRE(loaded.rules);
    const std::string once = policy_graph(*loaded.rules, "rules.toml");
    CHECK(once == policy_graph(*loaded.rules, "rules.toml"));
    CHECK(once.find("/tmp/") == std::string::npos);
}

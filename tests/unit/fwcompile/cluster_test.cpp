// SPDX-License-Identifier: GPL-3.0-or-later
// One rules file for every node of a cluster: on each node the hypervisor
// is that node, the other nodes are management sources, the uplink may
// carry guest addresses, and the tables say which node they are for.
#include "fwcompile/analyse/lint.hpp"
#include "fwcompile/flow.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/nft_text.hpp"
#include "fwcompile/views/explain.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;

namespace {

// Lines 1-27: [hypervisor] pve1, [[node]] pve2, two guests, cluster = true,
// and a row to the hypervisor by name (line 29).
const std::string kCluster = R"([hypervisor]
name = "pve1"
address = "10.0.0.13"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[node]]
name = "pve2"
address = "10.0.0.14"

[[guest]]
id = 101
kind = "lxc"
name = "web"
address = "10.0.0.153"

[[guest]]
id = 102
kind = "lxc"
name = "app"
address = "10.0.0.160"

[management]
cluster = true

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.0/24"
destination = "pve1"
protocol = "udp"
ports = 53
comment = "DNS on every node"
)";

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

// The rules as the node `name` loads them (by --node).
RuleSet load_on(const std::string& text, const std::string& node, std::string* messages = nullptr) {
    const fw::test::TempFile file{text};
    Diagnostics diag;
    auto rules = load_rules(file.path(), diag, {node, {}, {}});
    if (rules) lint(*rules, diag);
    if (messages) *messages = fw::test::with_file_name(diag.to_string(), file.path());
    REQUIRE_MESSAGE(rules, diag.to_string());
    return std::move(*rules);
}

bool admitted(const RuleSet& rules, const char* from, const char* to, Protocol protocol,
              std::uint16_t port) {
    return decide_at(rules, Target{}, ir::Hook::input, {ip(from), ip(to), protocol, port}).accepted;
}

} // namespace

TEST_CASE("cluster: on each node the hypervisor is that node, and the other nodes manage it") {
    for (const auto& [self, other] : {std::pair{"pve1", "10.0.0.14"}, {"pve2", "10.0.0.13"}}) {
        INFO(self);
        const RuleSet rules = load_on(kCluster, self);
        const IpAddress& me = rules.inventory.hypervisor().address;
        CHECK(me.to_string() == (std::string{self} == "pve1" ? "10.0.0.13" : "10.0.0.14"));
        // The default sources: the network minus the guests minus this node.
        const AddressList& sources = rules.management.sources;
        CHECK(fw::contains(sources, ip(other)));
        CHECK(fw::contains(sources, ip("10.0.0.50"))); // a LAN client
        CHECK_FALSE(fw::contains(sources, me));
        CHECK_FALSE(fw::contains(sources, ip("10.0.0.153")));
        CHECK_FALSE(fw::contains(sources, ip("10.0.0.160")));
        const std::string me_text = me.to_string();
        CHECK(admitted(rules, other, me_text.c_str(), Protocol::udp, 5405));  // corosync
        CHECK(admitted(rules, other, me_text.c_str(), Protocol::tcp, 60000)); // migration
        CHECK(admitted(rules, other, me_text.c_str(), Protocol::tcp, 22));
        CHECK(admitted(rules, "10.0.0.50", me_text.c_str(), Protocol::tcp, 22));
        CHECK_FALSE(admitted(rules, "10.0.0.160", me_text.c_str(), Protocol::tcp, 22));
        // A row naming the hypervisor means this node.
        CHECK(admitted(rules, "10.0.0.153", me_text.c_str(), Protocol::udp, 53));
    }
}

TEST_CASE("cluster: the tables name the node, and the uplink may carry the guests' addresses") {
    const RuleSet rules = load_on(kCluster, "pve2");
    CHECK(target_name(rules, Target{}) == "the hypervisor target on node pve2 (10.0.0.14)");
    CHECK(target_name(rules, Target{rules.inventory.find("web")}) == "host web (10.0.0.153)");
    const ir::Ruleset ruleset = lower(rules, Target{});
    REQUIRE(ruleset.tables.size() == 2);
    CHECK(ruleset.tables[0].comment.rfind(
              "phx-fw: the hypervisor target on node pve2 (10.0.0.14), rules phx-test-", 0) == 0);
    const std::string bridge = to_nft_text(ruleset.tables[1]);
    // Each guest is still bound to its own port, wherever it runs...
    for (const char* expected :
         {"\"veth101i0\" . 10.0.0.153 comment \"web\"",
          "\"veth102i0\" . 10.0.0.160 comment \"app\"", "iifname != @guest_ports accept",
          "iifname . ip saddr != @ip_bindings counter"})
        CHECK_MESSAGE(bridge.find(expected) != std::string::npos, expected << "\n" << bridge);
    // ...but the uplink brings the other nodes' guests: no rule against it.
    CHECK_MESSAGE(bridge.find("another port") == std::string::npos, bridge);
    CHECK(bridge.find("guest_addresses") == std::string::npos);

    // Without [[node]] the same guests get the uplink's rules.
    std::string alone = kCluster;
    alone.erase(alone.find("[[node]]"), alone.find("[[guest]]") - alone.find("[[node]]"));
    const RuleSet single = load_on(alone, "pve1");
    CHECK(target_name(single, Target{}) == "the hypervisor target");
    const std::string single_bridge = to_nft_text(lower(single, Target{}).tables[1]);
    CHECK(single_bridge.find("iifname != @guest_ports ip saddr @guest_addresses counter packets 0 "
                             "bytes 0 drop comment \"another port sending from a guest's "
                             "address\"") != std::string::npos);
}

TEST_CASE("cluster: a row may name another node by its address without a warning") {
    std::string text = kCluster + R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.14"
destination = "web"
protocol = "tcp"
ports = 80
comment = "pve2 checks the web server"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.99"
destination = "web"
protocol = "tcp"
ports = 81
comment = "nobody"
)";
    std::string messages;
    const RuleSet rules = load_on(text, "pve1", &messages);
    CHECK(messages == "rules.toml:50:10: warning: 10.0.0.99 is in the network 10.0.0.0/24 but no "
                      "host in the inventory has it\n");
}

TEST_CASE("cluster: explain and the scope line speak of this node and name the others") {
    const RuleSet rules = load_on(kCluster, "pve2");
    CHECK(scope_text(rules).find("what this node (pve2) sends and receives itself") !=
          std::string::npos);
    const std::string text = format_explanation(
        rules, fw::explain(rules, {ip("10.0.0.13"), ip("10.0.0.14"), Protocol::udp, 5405}));
    CHECK_MESSAGE(
        text.rfind("10.0.0.13 (node pve1 of the cluster) -> pve1 (10.0.0.14) udp/5405", 0) == 0,
        text);
}

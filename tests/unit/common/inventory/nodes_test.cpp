// SPDX-License-Identifier: GPL-3.0-or-later
// The nodes of a cluster in the inventory: [[node]] tables, checked like
// hosts, and the choice of the node the hypervisor's role stands for.
#include "common/config/document.hpp"
#include "common/inventory/inventory.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::inventory;
using phx::test::TempFile;

namespace {

// Lines 1-19: [hypervisor] (pve1 at 10.0.0.13), [[node]] pve2 (line 7) and
// pve3 (line 11), and one guest (line 15).
const std::string kCluster = R"([hypervisor]
name = "pve1"
address = "10.0.0.13"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[node]]
name = "pve2"
address = "10.0.0.14"

[[node]]
name = "pve3"
address = "10.0.0.15"

[[guest]]
id = 101
kind = "lxc"
name = "web"
address = "10.0.0.153"
)";

struct Loaded {
    std::optional<Inventory> inventory;
    std::string messages; // with the temporary file's name as "rules.toml"
};

Loaded load(const std::string& text, const NodeChoice& choice = {}) {
    const TempFile file{text};
    Diagnostics diag;
    const auto doc = config::Document::load(file.path(), diag);
    REQUIRE(doc);
    Loaded out;
    Inventory inventory;
    if (load_inventory({*doc, doc->root(), "the top level", FileName{file.path()}, diag}, inventory,
                       choice))
        out.inventory = std::move(inventory);
    out.messages = diag.to_string();
    for (auto at = out.messages.find(file.path()); at != std::string::npos;
         at = out.messages.find(file.path(), at))
        out.messages.replace(at, file.path().size(), "rules.toml");
    return out;
}

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

} // namespace

TEST_CASE("nodes: [hypervisor] is the first node and each [[node]] another, and none is a host") {
    const auto loaded = load(kCluster);
    REQUIRE_MESSAGE(loaded.inventory, loaded.messages);
    const Inventory& inv = *loaded.inventory;
    CHECK(inv.cluster());
    REQUIRE(inv.nodes.size() == 3);
    CHECK(inv.nodes[0].name == "pve1");
    CHECK(inv.nodes[1].name == "pve2");
    CHECK(inv.nodes[1].address == ip("10.0.0.14"));
    CHECK(inv.nodes[2].at.line == 11);
    CHECK(inv.hosts.size() == 2); // the hypervisor and the guest
    CHECK_FALSE(inv.find("pve2"));
    CHECK_FALSE(inv.find("10.0.0.14"));
    REQUIRE(inv.find_node(ip("10.0.0.15")));
    CHECK(inv.find_node(ip("10.0.0.15"))->name == "pve3");
    CHECK_FALSE(inv.find_node(ip("10.0.0.153")));
    // Without a choice, and with no [[node]] at all, [hypervisor] as written.
    CHECK(inv.this_node == 0);
    CHECK(inv.hypervisor().address == ip("10.0.0.13"));
    const auto alone = load(kCluster.substr(0, kCluster.find("[[node]]")));
    REQUIRE(alone.inventory);
    CHECK_FALSE(alone.inventory->cluster());
}

TEST_CASE("nodes: the node is chosen by this machine's address, then by its host name") {
    const NodeChoice by_address{{}, {ip("127.0.0.1"), ip("10.0.0.14")}, "pve3"};
    const auto loaded = load(kCluster, by_address);
    REQUIRE_MESSAGE(loaded.inventory, loaded.messages);
    const Inventory& inv = *loaded.inventory;
    CHECK(inv.this_node == 1);
    CHECK(inv.node_chosen == NodeChosen::by_address);
    // The hypervisor's role keeps its name, so rows still find it, and
    // takes this node's address: its old address is another node's now.
    CHECK(inv.hypervisor().name == "pve1");
    CHECK(inv.hypervisor().address == ip("10.0.0.14"));
    CHECK(inv.find("pve1") == kHypervisor);
    CHECK(inv.find("10.0.0.14") == kHypervisor);
    CHECK_FALSE(inv.find("10.0.0.13"));

    // At boot the network has no addresses yet: the host name decides.
    const auto at_boot = load(kCluster, {{}, {ip("127.0.0.1")}, "PVE3"});
    REQUIRE(at_boot.inventory);
    CHECK(at_boot.inventory->this_node == 2);
    CHECK(at_boot.inventory->node_chosen == NodeChosen::by_host_name);
    CHECK(at_boot.inventory->hypervisor().address == ip("10.0.0.15"));

    // Neither: [hypervisor] as written (the lab, a workstation).
    const auto elsewhere = load(kCluster, {{}, {ip("192.168.1.5")}, "laptop"});
    REQUIRE(elsewhere.inventory);
    CHECK(elsewhere.inventory->this_node == 0);
    CHECK(elsewhere.inventory->node_chosen == NodeChosen::as_written);
    CHECK(elsewhere.inventory->hypervisor().address == ip("10.0.0.13"));
}

TEST_CASE("nodes: --node chooses by name, and an unknown name or two local nodes is an error") {
    const auto named = load(kCluster, {"pve3", {ip("10.0.0.14")}, "pve2"});
    REQUIRE_MESSAGE(named.inventory, named.messages);
    CHECK(named.inventory->this_node == 2);
    CHECK(named.inventory->node_chosen == NodeChosen::by_name);
    const auto first = load(kCluster, {"pve1", {}, {}});
    REQUIRE(first.inventory);
    CHECK(first.inventory->hypervisor().address == ip("10.0.0.13"));

    const auto unknown = load(kCluster, {"pve4", {}, {}});
    CHECK_FALSE(unknown.inventory);
    CHECK(unknown.messages == "rules.toml: error: no node is named 'pve4': the nodes are pve1, "
                              "pve2, pve3 (did you mean 'pve1'?)\n");
    const auto two = load(kCluster, {{}, {ip("10.0.0.13"), ip("10.0.0.15")}, {}});
    CHECK_FALSE(two.inventory);
    CHECK(two.messages == "rules.toml: error: this machine has the addresses of several nodes: "
                          "pve1 (10.0.0.13), pve3 (10.0.0.15); name the one it is\n");
}

TEST_CASE("nodes: names and addresses are unique among nodes and guests, inside the network") {
    const auto with_node = [](const std::string& node) {
        std::string text = kCluster;
        text.insert(text.find("[[guest]]"), node);
        return load(text).messages;
    };
    // The extra [[node]] starts on line 15: name on 16, address on 17.
    CHECK(with_node("[[node]]\nname = \"pve2\"\naddress = \"10.0.0.16\"\n\n") ==
          "rules.toml:16:8: error: name 'pve2' is already used by [[node]] pve2 at "
          "rules.toml:7:1\n");
    CHECK(with_node("[[node]]\nname = \"pve4\"\naddress = \"10.0.0.13\"\n\n") ==
          "rules.toml:17:11: error: address 10.0.0.13 is already used by the host at "
          "rules.toml:1:1\n");
    CHECK(with_node("[[node]]\nname = \"pve4\"\naddress = \"10.0.1.16\"\n\n") ==
          "rules.toml:17:11: error: node address 10.0.1.16 is outside the hypervisor's network "
          "10.0.0.0/24: each node stands in for [hypervisor] at rules.toml:1:1\n");
    CHECK(with_node("[[node]]\nname = \"Pve4\"\naddres = \"10.0.0.16\"\n\n") ==
          "rules.toml:17:1: error: unknown key 'addres' in [[node]] #3 (did you mean "
          "'address'?)\n"
          "rules.toml:16:8: error: host name 'Pve4' must start with a letter and hold only a-z, "
          "0-9 and '-' (and not be \"any\" or \"global\")\n"
          "rules.toml:15:1: error: [[node]] #3 needs 'address'\n");
    // A guest named like a node, or at a node's address, whichever node
    // the file is loaded for.
    std::string text = kCluster;
    text.replace(text.find("name = \"web\""), 12, "name = \"pve2\"");
    for (const char* node : {"pve1", "pve2"})
        CHECK(load(text, {node, {}, {}}).messages ==
              "rules.toml:18:8: error: name 'pve2' is already used by [[node]] pve2 at "
              "rules.toml:7:1\n");
    text = kCluster;
    text.replace(text.find("10.0.0.153"), 10, "10.0.0.13");
    for (const char* node : {"pve1", "pve3"})
        CHECK(load(text, {node, {}, {}}).messages ==
              "rules.toml:19:11: error: address 10.0.0.13 is already used by the host at "
              "rules.toml:1:1\n");
}

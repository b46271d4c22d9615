// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory printed from Proxmox's guests: valid for the loader once the
// hypervisor's address is in, names made valid, and what to act on said.
#include "fwcompile/pve/inventory_text.hpp"
#include "fwcompile/pve/read_configs.hpp"
#include "unit/fwcompile/pve/pve_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw::pve;
using namespace phx::fw::pve::test;

namespace {

const std::string kHeader =
    "# The guests of Proxmox in /etc/pve (lxc/*.conf, qemu-server/*.conf) as phx-fw's "
    "inventory,\n"
    "# printed by `phx-fw inventory --pve`. Act on the comments, add your [[rule]] rows,\n"
    "# then compare it with Proxmox again: phx-fw check --rules FILE --pve /etc/pve\n\n";

std::vector<GuestConfig> spec_fixture() {
    Diagnostics diag;
    auto guests = read_guest_configs(PHX_SOURCE_DIR "/tests/pve", diag);
    REQUIRE(guests);
    return *guests;
}

// What the admin does first with a printed skeleton.
std::string with_hypervisor_address(std::string text, const std::string& address) {
    const std::string asked = "# address = \"\"";
    const auto at = text.find(asked);
    REQUIRE(at != std::string::npos);
    return text.replace(at, asked.size(), "address = \"" + address + "\"");
}

std::vector<std::uint32_t> guest_ids(const inventory::Inventory& inventory) {
    std::vector<std::uint32_t> ids;
    for (const auto& host : inventory.hosts)
        if (host.id) ids.push_back(*host.id);
    return ids;
}

} // namespace

TEST_CASE("pve inventory: names made valid, unknown addresses asked for, others left out") {
    const std::vector<GuestConfig> guests = {
        container(101, "hostname: Nginx.example.com\nnet0: name=eth0,bridge=vmbr0,firewall=1,"
                       "hwaddr=BC:24:11:5E:0A:01,ip=10.0.0.153/24\n"),
        container(105, "hostname: Web_Server\nnet0: name=eth0,bridge=vmbr0,ip=dhcp\n"),
        container(106, "hostname: iot\nnet0: name=eth0,bridge=vmbr1,ip=192.168.1.6/24\n"),
        vm(1001, "ipconfig0: ip=10.0.0.111/24\nname: portainer\nnet0: virtio=BC:24:11:AA:10:01,"
                 "bridge=vmbr0\nnet1: virtio=BC:24:11:AA:11:01,bridge=vmbr1\n")};
    CHECK(inventory_text(guests, "/etc/pve", nullptr) ==
          kHeader +
              "[hypervisor]\n"
              "# Fill in the hypervisor's own address on the bridge (ip -brief address).\n"
              "# network and bridge are what the guests' devices say: check them.\n"
              "name = \"hypervisor\"\n"
              "# address = \"\"\n"
              "network = \"10.0.0.0/24\"\n"
              "bridge = \"vmbr0\"\n"
              "\n[[guest]]  # /etc/pve/lxc/101.conf\nid = 101\nkind = \"lxc\"\n"
              "name = \"nginx\"  # \"Nginx.example.com\" in Proxmox\n"
              "address = \"10.0.0.153\"\n"
              "port = \"fwpr101p0\"  # firewall=1 in Proxmox; after firewall=0 (README: "
              "Migrating from pve-firewall), drop this line\n"
              "mac = \"bc:24:11:5e:0a:01\"\n"
              "\n[[guest]]  # /etc/pve/lxc/105.conf\nid = 105\nkind = \"lxc\"\n"
              "name = \"ct105\"  # \"Web_Server\" in Proxmox is not an inventory name (a-z, 0-9, "
              "'-', from a letter): rename it\n"
              "# address = \"\"  # fill in: Proxmox does not know it (/etc/pve/lxc/105.conf:2: "
              "ip=dhcp)\n"
              "\n# guest 106 (/etc/pve/lxc/106.conf) is left out: net0 is on vmbr1, not on "
              "vmbr0\n"
              "\n[[guest]]  # /etc/pve/qemu-server/1001.conf\nid = 1001\nkind = \"vm\"\n"
              "name = \"portainer\"\naddress = \"10.0.0.111\"\nmac = \"bc:24:11:aa:10:01\"\n"
              "# net1 on vmbr1 (tap1001i1) is not bound: one port per guest\n");
}

TEST_CASE("pve inventory: a name already given, and quotes in a name, stay valid TOML") {
    const std::vector<GuestConfig> guests = {
        container(101, "hostname: web\nnet0: name=eth0,bridge=vmbr0,ip=10.0.0.5/24\n"),
        container(102, "hostname: web\nnet0: name=eth0,bridge=vmbr0,ip=10.0.0.6/24\n"),
        container(103, "hostname: a\"b\nnet0: name=eth0,bridge=vmbr0,ip=10.0.0.7/24\n")};
    const std::string text = inventory_text(guests, "/etc/pve", nullptr);
    CHECK(text.find("name = \"ct102\"  # web is an earlier host's name: rename it\n") !=
          std::string::npos);
    CHECK(text.find("name = \"ct103\"  # \"a\\\"b\" in Proxmox is not an inventory name") !=
          std::string::npos);
    const auto loaded = load_inventory_text(with_hypervisor_address(text, "10.0.0.1"));
    CHECK(guest_ids(loaded.inventory) == std::vector<std::uint32_t>{101, 102, 103});
}

TEST_CASE("pve inventory: the spec's fixture, with the hypervisor filled in, loads as is") {
    const std::string text = inventory_text(spec_fixture(), "/etc/pve", nullptr);
    CHECK(text.find("network = \"10.0.0.0/24\"\nbridge = \"vmbr0\"\n") != std::string::npos);
    const auto loaded = load_inventory_text(with_hypervisor_address(text, "10.0.0.13"));
    CHECK(guest_ids(loaded.inventory) ==
          std::vector<std::uint32_t>{101, 102, 103, 141, 142, 155, 157, 1001, 1002});
    CHECK(loaded.inventory.hosts[*loaded.inventory.find("1002")].kind == HostKind::vm);
    CHECK(loaded.inventory.hosts[*loaded.inventory.find("ollama")].address.to_string() ==
          "10.0.0.155");
}

TEST_CASE("pve inventory: an existing [hypervisor] is kept, and guests off its bridges left out") {
    const auto existing = load_inventory_text("[hypervisor]\nname = \"pve\"\naddress = "
                                              "\"10.0.0.13\"\nnetwork = \"10.0.0.0/24\"\n"
                                              "bridge = [\"vmbr0\", \"vmbr2\"]\n");
    const std::vector<GuestConfig> guests = {
        container(101, "hostname: nginx\nnet0: name=eth0,bridge=vmbr1,ip=10.0.0.153/24\n"),
        container(102, "hostname: traefik\nnet0: name=eth0,bridge=vmbr2,ip=10.0.1.12/24\n")};
    CHECK(inventory_text(guests, "/etc/pve", &existing.inventory) ==
          kHeader + "[hypervisor]  # as in rules.toml\nname = \"pve\"\naddress = \"10.0.0.13\"\n"
                    "network = \"10.0.0.0/24\"\nbridge = [\"vmbr0\", \"vmbr2\"]\n"
                    "\n# guest 101 (/etc/pve/lxc/101.conf) is left out: net0 is on vmbr1, not on "
                    "vmbr0, vmbr2\n"
                    "\n# guest 102 (/etc/pve/lxc/102.conf) is left out: its address is outside "
                    "10.0.0.0/24\n");
}

TEST_CASE("pve inventory: the other nodes of an existing cluster inventory are kept") {
    const auto existing = load_inventory_text("[hypervisor]\naddress = \"10.0.0.13\"\nnetwork = "
                                              "\"10.0.0.0/24\"\nbridge = \"vmbr0\"\n\n[[node]]\n"
                                              "name = \"pve2\"\naddress = \"10.0.0.14\"\n");
    const std::vector<GuestConfig> guests = {
        container(101, "hostname: pve2\nnet0: name=eth0,bridge=vmbr0,ip=10.0.0.153/24\n")};
    const std::string text = inventory_text(guests, "/etc/pve", &existing.inventory);
    CHECK(text.find("\n[[node]]\nname = \"pve2\"\naddress = \"10.0.0.14\"\n") != std::string::npos);
    // A guest named like a node is renamed, so that the file loads (else this aborts).
    const auto reloaded = load_inventory_text(text.substr(kHeader.size()));
    REQUIRE(reloaded.inventory.nodes.size() == 2);
    CHECK(reloaded.inventory.hosts.size() == 2);
}

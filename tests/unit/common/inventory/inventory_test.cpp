// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory as a program that reads nothing else of the rules file
// (phx-dnsd) sees it.
#include "common/inventory/inventory.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::inventory;
using phx::test::TempFile;

TEST_CASE("inventory: the spec's rules file gives its ten hosts, whatever else it holds") {
    Diagnostics diag;
    const auto inventory = load_inventory_file(PHX_SOURCE_DIR "/rules/phoenix.toml", diag);
    REQUIRE_MESSAGE(inventory, diag.to_string());
    CHECK(inventory->hosts.size() == 10);
    CHECK(inventory->hypervisor().name == "hypervisor");
    CHECK(inventory->networks.front().to_string() == "10.0.0.0/24");
    const auto traefik = inventory->find("traefik");
    REQUIRE(traefik);
    CHECK(inventory->hosts[*traefik].address.to_string() == "10.0.0.12");
    CHECK(inventory->hosts[*inventory->find("1001")].port == "tap1001i0");
}

TEST_CASE("inventory: mistakes are errors at file:line:col, and no inventory comes back") {
    const TempFile file("[hypervisor]\naddress = \"10.0.0.13\"\nnetwork = \"10.0.0.0/24\"\n"
                        "bridge = \"vmbr0\"\n\n[[guest]]\nid = 101\nkind = \"lcx\"\nname = "
                        "\"web\"\naddress = \"10.0.0.5\"\n");
    Diagnostics diag;
    CHECK_FALSE(load_inventory_file(file.path(), diag));
    CHECK(diag.to_string() == file.path() + ":8:8: error: kind must be \"lxc\" or \"vm\", not "
                                            "'lcx' (did you mean 'lxc'?)\n");
}

TEST_CASE("inventory: MAC addresses and Proxmox port names") {
    CHECK(to_string(*parse_mac("BC:24:11:5E:0A:01")) == "bc:24:11:5e:0a:01");
    CHECK_FALSE(parse_mac("bc:24:11:5e:0a"));
    CHECK_FALSE(parse_mac("bc-24-11-5e-0a-01"));
    CHECK_FALSE(parse_mac("bc:24:11:5e:0a:0g"));
    CHECK(default_port(HostKind::lxc, 101) == "veth101i0");
    CHECK(default_port(HostKind::vm, 1001) == "tap1001i0");
}

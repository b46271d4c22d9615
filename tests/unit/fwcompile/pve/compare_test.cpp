// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory against Proxmox's guests: each kind of difference once,
// with its exact message and the places on both sides.
#include "fwcompile/pve/compare.hpp"
#include "unit/fwcompile/pve/pve_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw::pve;
using namespace phx::fw::pve::test;

namespace {

// Lines 1-18; each guest's address is at column 11 of its line.
const std::string kInventory = R"([hypervisor]
address = "10.0.0.13"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[guest]]
id = 101
kind = "lxc"
name = "nginx"
address = "10.0.0.153"
mac = "bc:24:11:5e:0a:01"

[[guest]]
id = 1001
kind = "vm"
name = "portainer"
address = "10.0.0.111"
mac = "bc:24:11:aa:10:01"
)";

// Proxmox's files that match kInventory: net0 on line 2 and 3.
const std::string kNginx = "hostname: nginx\n"
                           "net0: name=eth0,bridge=vmbr0,firewall=0,gw=10.0.0.1,"
                           "hwaddr=BC:24:11:5E:0A:01,ip=10.0.0.153/24,type=veth\n";
const std::string kPortainer = "ipconfig0: ip=10.0.0.111/24,gw=10.0.0.1\n"
                               "name: portainer\n"
                               "net0: virtio=BC:24:11:AA:10:01,bridge=vmbr0,firewall=0\n";

std::string replaced(std::string text, const std::string& old, const std::string& with) {
    const auto at = text.find(old);
    REQUIRE(at != std::string::npos);
    return text.replace(at, old.size(), with);
}

struct Outcome {
    std::string messages; // errors and warnings, then notes
    bool failed = false;
};

Outcome run(const std::string& inventory, const std::vector<GuestConfig>& guests) {
    const auto loaded = load_inventory_text(inventory);
    Diagnostics diag;
    std::vector<Note> notes;
    compare(loaded.inventory, loaded.places, guests, "/etc/pve", diag, notes);
    Outcome out{diag.to_string(), diag.failed()};
    for (const auto& note : notes) out.messages += note.to_string() + "\n";
    return out;
}

Outcome run_nginx(const std::string& inventory, const std::string& nginx) {
    return run(inventory, {container(101, nginx), vm(1001, kPortainer)});
}

} // namespace

TEST_CASE("pve compare: guests that match give no message at all") {
    const auto out = run_nginx(kInventory, kNginx);
    CHECK(out.messages == "");
    CHECK_FALSE(out.failed);
}

TEST_CASE("pve compare: a different address is an error at the inventory's address") {
    const auto out = run_nginx(kInventory, replaced(kNginx, "10.0.0.153/24", "10.0.0.154/24"));
    CHECK(out.messages == "rules.toml:10:11: error: guest 101's address is 10.0.0.153 here but "
                          "10.0.0.154 in /etc/pve/lxc/101.conf:2\n");
    CHECK(out.failed);
}

TEST_CASE("pve compare: a VM's address comes from its cloud-init ipconfig0") {
    const auto out =
        run(kInventory,
            {container(101, kNginx), vm(1001, replaced(kPortainer, "10.0.0.111/", "10.0.0.112/"))});
    CHECK(out.messages == "rules.toml:17:11: error: guest 1001's address is 10.0.0.111 here but "
                          "10.0.0.112 in /etc/pve/qemu-server/1001.conf:1\n");
}

TEST_CASE("pve compare: an address Proxmox does not know is a note, not an error") {
    const auto out =
        run(kInventory,
            {container(101, replaced(kNginx, "ip=10.0.0.153/24", "ip=dhcp")),
             vm(1001, replaced(kPortainer, "ipconfig0: ip=10.0.0.111/24,gw=10.0.0.1\n", ""))});
    CHECK(out.messages ==
          "rules.toml:10:11: note: guest 101's address 10.0.0.153 is not known to Proxmox "
          "(/etc/pve/lxc/101.conf:2: ip=dhcp); make sure the guest uses it\n"
          "rules.toml:17:11: note: guest 1001's address 10.0.0.111 is not known to Proxmox "
          "(/etc/pve/qemu-server/1001.conf:2: no cloud-init ipconfig0); make sure the guest "
          "uses it\n");
    CHECK_FALSE(out.failed);
}

TEST_CASE("pve compare: a different MAC is an error, a MAC the inventory lacks a note") {
    const auto wrong = run_nginx(kInventory, replaced(kNginx, "0A:01", "0A:99"));
    CHECK(wrong.messages == "rules.toml:11:7: error: guest 101's mac is bc:24:11:5e:0a:01 here "
                            "but bc:24:11:5e:0a:99 in /etc/pve/lxc/101.conf:2\n");
    const auto missing =
        run_nginx(replaced(kInventory, "mac = \"bc:24:11:5e:0a:01\"\n", ""), kNginx);
    CHECK(missing.messages == "rules.toml:6:1: note: guest 101 has no mac here; "
                              "/etc/pve/lxc/101.conf:2 gives it: add mac = \"bc:24:11:5e:0a:01\" "
                              "to bind it to its port too\n");
    CHECK_FALSE(missing.failed);
}

TEST_CASE("pve compare: a device on a bridge the inventory does not list is an error") {
    const auto out = run_nginx(kInventory, replaced(kNginx, "bridge=vmbr0", "bridge=vmbr1"));
    CHECK(out.messages == "/etc/pve/lxc/101.conf:2: error: guest 101's net0 is on bridge vmbr1, "
                          "not on vmbr0 (rules.toml:4:10): phx-fw would neither filter nor bind "
                          "its traffic\n");
}

TEST_CASE("pve compare: a different kind is an error naming both ports") {
    const auto out = run(kInventory, {container(101, kNginx), container(1001, kNginx)});
    CHECK(out.messages.starts_with(
        "rules.toml:15:8: error: guest 1001 is kind \"vm\" here but a container in "
        "/etc/pve/lxc/1001.conf:1: its port is veth1001i0, not tap1001i0\n"));
}

TEST_CASE("pve compare: a different name is a warning, capitals and a domain are not") {
    const auto out = run_nginx(kInventory, replaced(kNginx, "hostname: nginx", "hostname: web"));
    CHECK(out.messages == "rules.toml:9:8: warning: guest 101 is named nginx here but web in "
                          "/etc/pve/lxc/101.conf:1\n");
    CHECK_FALSE(out.failed);
    const auto fqdn =
        run_nginx(kInventory, replaced(kNginx, "hostname: nginx", "hostname: Nginx.example.com"));
    CHECK(fqdn.messages == "");
}

TEST_CASE("pve compare: a guest only in Proxmox is an error on the inventory's bridges") {
    const auto out = run(kInventory, {container(101, kNginx),
                                      container(105, "hostname: db\nnet0: name=eth0,bridge=vmbr0,"
                                                     "ip=10.0.0.105/24\n"),
                                      container(106, "hostname: iot\nnet0: name=eth0,bridge=vmbr1,"
                                                     "ip=192.168.1.6/24\n"),
                                      vm(1001, kPortainer)});
    CHECK(out.messages == "/etc/pve/lxc/105.conf:1: error: guest 105 (db) is not in the inventory "
                          "(rules.toml): its port veth105i0 on vmbr0 is bound to no address, so "
                          "it can send from any\n"
                          "/etc/pve/lxc/106.conf:1: warning: guest 106 (iot) is not in the "
                          "inventory (rules.toml); it is on bridge vmbr1, not on vmbr0, so its "
                          "traffic is not phx-fw's\n");
}

TEST_CASE("pve compare: a guest only in the inventory is an error at its id") {
    const auto out = run(kInventory, {vm(1001, kPortainer)});
    CHECK(out.messages == "rules.toml:7:6: error: guest 101 (nginx) is not in Proxmox: there is "
                          "no /etc/pve/lxc/101.conf (is its id or kind wrong, or is it gone?)\n");
    CHECK(out.failed);
}

TEST_CASE("pve compare: firewall=1 warns, unless the inventory's port is Proxmox's fwpr port") {
    const std::string firewalled = replaced(kNginx, "firewall=0", "firewall=1");
    const auto out = run_nginx(kInventory, firewalled);
    CHECK(out.messages == "/etc/pve/lxc/101.conf:2: warning: guest 101's net0 has firewall=1: its "
                          "port on vmbr0 is fwpr101p0, not veth101i0 (rules.toml:6:1), so the "
                          "binding would not match; set firewall=0 (README: Migrating from "
                          "pve-firewall)\n");
    CHECK_FALSE(out.failed);
    const auto bound = run_nginx(
        replaced(kInventory, "name = \"nginx\"\n", "name = \"nginx\"\nport = \"fwpr101p0\"\n"),
        firewalled);
    CHECK(bound.messages == "");
}

TEST_CASE("pve compare: the inventory's port says which device is compared") {
    const std::string inventory =
        replaced(kInventory, "name = \"nginx\"\n", "name = \"nginx\"\nport = \"veth101i1\"\n");
    const auto out = run_nginx(inventory, kNginx + "net1: name=eth1,bridge=vmbr0,"
                                                   "hwaddr=BC:24:11:5E:0A:01,ip=10.0.0.153/24\n");
    CHECK(out.messages == "/etc/pve/lxc/101.conf:2: warning: guest 101's net0 is on vmbr0 too, "
                          "and its port veth101i0 is bound to no address: it can send from any\n");
    const auto none = run_nginx(inventory, kNginx);
    CHECK(none.messages == "rules.toml:10:8: error: guest 101's port veth101i1 is net1's, which "
                           "/etc/pve/lxc/101.conf:1 does not have: there is nothing to bind\n");
}

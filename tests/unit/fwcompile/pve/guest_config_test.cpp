// SPDX-License-Identifier: GPL-3.0-or-later
// Reading one Proxmox guest configuration: the current keys only, each
// value with its line, and the devices' bridges, MACs and addresses.
#include "fwcompile/pve/guest_config.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw::pve;

namespace {

GuestConfig container(const std::string& text, Diagnostics& diag) {
    return parse_guest_config(text, "lxc/101.conf", 101, HostKind::lxc, diag);
}

GuestConfig vm(const std::string& text, Diagnostics& diag) {
    return parse_guest_config(text, "qemu-server/1001.conf", 1001, HostKind::vm, diag);
}

} // namespace

TEST_CASE("pve config: a container's hostname and net0, each at its line, comments counted") {
    Diagnostics diag;
    const auto guest = container("#Nginx gateway%3A the entry point\n"
                                 "#for every service\n"
                                 "arch: amd64\n"
                                 "hostname: nginx\n"
                                 "net0: name=eth0,bridge=vmbr0,firewall=0,gw=10.0.0.1,"
                                 "hwaddr=BC:24:11:5E:0A:01,ip=10.0.0.153/24,type=veth\n",
                                 diag);
    CHECK(diag.to_string().empty());
    CHECK(guest.name == "nginx");
    CHECK(guest.name_at.to_string() == "lxc/101.conf:4");
    REQUIRE(guest.nics.size() == 1);
    const Nic& nic = guest.nics.front();
    CHECK(nic.index == 0);
    CHECK(nic.at.to_string() == "lxc/101.conf:5");
    CHECK(nic.bridge == "vmbr0");
    CHECK_FALSE(nic.firewall);
    REQUIRE(nic.mac);
    CHECK(inventory::to_string(*nic.mac) == "bc:24:11:5e:0a:01");
    REQUIRE(nic.ipv4.cidr);
    CHECK(nic.ipv4.cidr->to_string() == "10.0.0.153/24");
    CHECK(nic.ipv4.at.to_string() == "lxc/101.conf:5");
    CHECK(nic.ipv6.text.empty());
    CHECK(port_name(guest, nic) == "veth101i0");
    CHECK(guest.at().to_string() == "lxc/101.conf:1");
}

TEST_CASE("pve config: a snapshot section's keys are not the current configuration") {
    Diagnostics diag;
    const auto guest = container("hostname: nginx\n"
                                 "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:0A:01,"
                                 "ip=10.0.0.153/24\n"
                                 "parent: before\n\n"
                                 "[before]\n"
                                 "hostname: nginx-old\n"
                                 "net0: name=eth0,bridge=vmbr1,hwaddr=BC:24:11:5E:0A:F1,"
                                 "ip=10.0.0.53/24\n"
                                 "net1: name=eth1,bridge=vmbr0,ip=dhcp\n",
                                 diag);
    CHECK(diag.to_string().empty());
    CHECK(guest.name == "nginx");
    REQUIRE(guest.nics.size() == 1);
    CHECK(guest.nics.front().bridge == "vmbr0");
    CHECK(guest.nics.front().ipv4.cidr->address.to_string() == "10.0.0.153");
}

TEST_CASE("pve config: pending changes are not the current configuration") {
    Diagnostics diag;
    const auto guest = container("hostname: traefik\n"
                                 "net0: name=eth0,bridge=vmbr0,ip=10.0.0.12/24\n"
                                 "[pve:pending]\n"
                                 "hostname: traefik2\n"
                                 "net0: name=eth0,bridge=vmbr0,ip=10.0.0.22/24\n",
                                 diag);
    CHECK(guest.name == "traefik");
    CHECK(guest.nics.front().ipv4.cidr->address.to_string() == "10.0.0.12");
}

TEST_CASE("pve config: dhcp, manual and auto are settings, not addresses") {
    Diagnostics diag;
    const auto guest = container("net0: name=eth0,bridge=vmbr0,ip=dhcp,ip6=auto\n"
                                 "net1: name=eth1,bridge=vmbr1,ip=manual,ip6=fd00::5/64\n",
                                 diag);
    CHECK(diag.to_string().empty());
    REQUIRE(guest.nics.size() == 2);
    CHECK(guest.nics[0].ipv4.text == "dhcp");
    CHECK_FALSE(guest.nics[0].ipv4.cidr);
    CHECK(guest.nics[0].ipv6.text == "auto");
    CHECK_FALSE(guest.nics[0].ipv6.cidr);
    CHECK(guest.nics[1].ipv4.text == "manual");
    CHECK(guest.nics[1].ipv6.cidr->to_string() == "fd00::5/64");
    CHECK(address_text(guest, guest.nics[0], IpFamily::v4) == "ip=dhcp");
}

TEST_CASE("pve config: several devices are ordered by number, whatever the file's order") {
    Diagnostics diag;
    const auto guest = container("net10: name=eth10,bridge=vmbr2\n"
                                 "net2: name=eth2,bridge=vmbr1\n"
                                 "net1: name=eth1,bridge=vmbr0,firewall=1\n",
                                 diag);
    REQUIRE(guest.nics.size() == 3);
    CHECK(guest.nics[0].index == 1);
    CHECK(guest.nics[1].index == 2);
    CHECK(guest.nics[2].index == 10);
    CHECK(guest.first_nic() == &guest.nics[0]);
    CHECK(guest.nic(0) == nullptr);
    CHECK(guest.nic(2)->bridge == "vmbr1");
    CHECK(guest.nics[0].firewall);
    CHECK(port_name(guest, guest.nics[0]) == "fwpr101p1");
    CHECK(address_text(guest, guest.nics[0], IpFamily::v4) == "net1 has no ip=");
}

TEST_CASE("pve config: a VM's MAC is its NIC model's value, its address cloud-init's") {
    Diagnostics diag;
    const auto guest = vm("ipconfig0: ip=10.0.0.111/24,gw=10.0.0.1\n"
                          "ipconfig1: ip=dhcp\n"
                          "name: portainer\n"
                          "net0: virtio=BC:24:11:AA:10:01,bridge=vmbr0,firewall=1\n"
                          "net1: bridge=vmbr1,e1000=BC:24:11:AA:11:01,rtl8139=BC:24:11:AA:12:01\n"
                          "net2: model=vmxnet3,macaddr=BC:24:11:AA:13:01,bridge=vmbr0\n",
                          diag);
    CHECK(diag.to_string().empty());
    CHECK(guest.name == "portainer");
    CHECK(guest.name_at.to_string() == "qemu-server/1001.conf:3");
    REQUIRE(guest.nics.size() == 3);
    CHECK(inventory::to_string(*guest.nics[0].mac) == "bc:24:11:aa:10:01");
    CHECK(guest.nics[0].firewall);
    CHECK(guest.nics[0].ipv4.cidr->to_string() == "10.0.0.111/24");
    CHECK(guest.nics[0].ipv4.at.to_string() == "qemu-server/1001.conf:1");
    CHECK(inventory::to_string(*guest.nics[1].mac) == "bc:24:11:aa:11:01");
    CHECK(guest.nics[1].ipv4.text == "dhcp");
    CHECK(inventory::to_string(*guest.nics[2].mac) == "bc:24:11:aa:13:01");
    CHECK(port_name(guest, guest.nics[1]) == "tap1001i1");
}

TEST_CASE("pve config: a VM without cloud-init has no address Proxmox knows") {
    Diagnostics diag;
    const auto guest = vm("name: portainer\nnet0: virtio=BC:24:11:AA:10:01,bridge=vmbr0\n", diag);
    REQUIRE(guest.nics.size() == 1);
    CHECK(guest.nics[0].ipv4.text.empty());
    CHECK_FALSE(guest.nics[0].ipv4.cidr);
    CHECK(guest.nics[0].ipv4.at.to_string() == "qemu-server/1001.conf:2");
    CHECK(address_text(guest, guest.nics[0], IpFamily::v4) == "no cloud-init ipconfig0");
}

TEST_CASE("pve config: a key given twice keeps its last value, as Proxmox reads it") {
    Diagnostics diag;
    const auto guest = container("hostname: one\nhostname: two\n", diag);
    CHECK(guest.name == "two");
    CHECK(guest.name_at.to_string() == "lxc/101.conf:2");
}

TEST_CASE("pve config: malformed values are errors at file:line:col, the rest is still read") {
    Diagnostics diag;
    const auto guest =
        container("hostname: nginx\n"
                  "this line has no key\n"
                  "net0: name=eth0,bridge=vmbr0,hwaddr=BC:24:11:5E:0A,ip=10.0.0.300/24\n"
                  "net1: name=eth1,bridge=vmbr0,ip6=10.0.0.5/24\n",
                  diag);
    CHECK(diag.to_string() ==
          "lxc/101.conf:2:1: warning: not a 'key: value' line; ignored, as Proxmox does\n"
          "lxc/101.conf:3:30: error: hwaddr=BC:24:11:5E:0A is not a MAC address (e.g. "
          "BC:24:11:5E:0A:01)\n"
          "lxc/101.conf:3:52: error: ip=10.0.0.300/24 is not an IPv4 address with its prefix "
          "(e.g. 10.0.0.153/24), dhcp or manual\n"
          "lxc/101.conf:4:30: error: ip6=10.0.0.5/24 is not an IPv6 address with its prefix "
          "(e.g. fd00::5/64), dhcp or manual\n");
    CHECK(guest.name == "nginx");
    REQUIRE(guest.nics.size() == 2);
    CHECK(guest.nics[0].bridge == "vmbr0");
    CHECK_FALSE(guest.nics[0].mac);
    CHECK_FALSE(guest.nics[0].ipv4.cidr);
}

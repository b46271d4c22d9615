// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a directory shaped like /etc/pve: the fixtures of tests/pve, and
// what is skipped or refused.
#include "fwcompile/pve/read_configs.hpp"
#include "unit/temp_dir.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw::pve;

using phx::test::TempDir;

TEST_CASE("pve read: the fixture of the spec's network gives its nine guests by id") {
    Diagnostics diag;
    const auto guests = read_guest_configs(PHX_SOURCE_DIR "/tests/pve", diag);
    CHECK(diag.to_string() == "");
    REQUIRE(guests);
    std::vector<std::uint32_t> ids;
    for (const auto& guest : *guests) ids.push_back(guest.id);
    CHECK(ids == std::vector<std::uint32_t>{101, 102, 103, 141, 142, 155, 157, 1001, 1002});
    CHECK(guests->front().kind == HostKind::lxc);
    CHECK(guests->back().kind == HostKind::vm);
    CHECK(guests->back().file.str() == PHX_SOURCE_DIR "/tests/pve/qemu-server/1002.conf");
    CHECK(guests->front().name == "nginx");
}

TEST_CASE("pve read: other names are skipped, a folder named like a file is an error") {
    const TempDir dir;
    dir.write("lxc/101.conf", "hostname: nginx\n");
    dir.write("lxc/101.conf.bak", "hostname: old\n");
    dir.write("lxc/99.conf", "hostname: too-low\n");
    dir.write("lxc/notes.txt", "\n");
    dir.write("qemu-server/1001.conf/inside", "\n");
    Diagnostics diag;
    const auto guests = read_guest_configs(dir.path(), diag);
    REQUIRE(guests);
    REQUIRE(guests->size() == 1);
    CHECK(guests->front().name == "nginx");
    CHECK(diag.to_string() ==
          dir.path() + "/qemu-server/1001.conf: error: cannot read the file: is a directory\n");
}

TEST_CASE("pve read: one id as both a container and a VM keeps the container") {
    const TempDir dir;
    dir.write("lxc/101.conf", "hostname: nginx\n");
    dir.write("qemu-server/101.conf", "name: nginx-vm\n");
    Diagnostics diag;
    const auto guests = read_guest_configs(dir.path(), diag);
    REQUIRE(guests);
    REQUIRE(guests->size() == 1);
    CHECK(guests->front().kind == HostKind::lxc);
    CHECK(diag.to_string() == dir.path() + "/qemu-server/101.conf:1: error: guest 101 is in " +
                                  dir.path() +
                                  "/lxc/101.conf too: Proxmox gives each id to one "
                                  "guest; this file is ignored\n");
}

TEST_CASE("pve read: a directory that is not Proxmox's is refused") {
    const TempDir dir;
    Diagnostics diag;
    CHECK_FALSE(read_guest_configs(dir.path(), diag));
    CHECK(diag.to_string() == dir.path() + ": error: neither lxc/ nor qemu-server/ is here: not a "
                                           "Proxmox configuration directory such as /etc/pve\n");
    Diagnostics missing;
    CHECK_FALSE(read_guest_configs(dir.path() + "/nothing", missing));
    CHECK(missing.to_string() == dir.path() + "/nothing: error: cannot read the Proxmox "
                                              "configuration: No such file or directory\n");
    CHECK(config_path("/etc/pve", HostKind::vm, 1001) == "/etc/pve/qemu-server/1001.conf");
}

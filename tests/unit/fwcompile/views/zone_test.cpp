// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw zone: the reverse zone's origin, records and serial, and the
// networks and names it refuses.
#include "fwcompile/views/zone_file.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;

namespace {

std::string inventory_with(const std::string& from, const std::string& to) {
    std::string text = fw::test::kInventory;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

ZoneResult zone_of(const std::string& text, ZoneOptions options = {}) {
    const auto loaded = fw::test::load_text(text);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    return reverse_zone(loaded.rules->inventory, options);
}

Cidr cidr(const char* text) {
    return *Cidr::parse(text);
}

} // namespace

TEST_CASE("zone: the origin of /8, /16 and /24 networks, other prefixes have none") {
    CHECK(reverse_origin(cidr("10.0.0.0/24")) == "0.0.10.in-addr.arpa.");
    CHECK(reverse_origin(cidr("192.168.7.0/24")) == "7.168.192.in-addr.arpa.");
    CHECK(reverse_origin(cidr("172.16.0.0/16")) == "16.172.in-addr.arpa.");
    CHECK(reverse_origin(cidr("10.0.0.0/8")) == "10.in-addr.arpa.");
    CHECK(reverse_origin(cidr("10.0.0.7/24")) == "0.0.10.in-addr.arpa."); // host bits ignored
    CHECK_FALSE(reverse_origin(cidr("10.0.0.0/23")));
    CHECK_FALSE(reverse_origin(cidr("10.0.0.0/25")));
    CHECK_FALSE(reverse_origin(cidr("fd00::/64")));
}

TEST_CASE("zone: SOA, NS and one PTR per host, the hypervisor included, sorted by address") {
    const auto result = zone_of(fw::test::kInventory, {"internal.thinkheads.ai", "", "rules.toml"});
    REQUIRE(result.zone);
    const std::string& text = result.zone->text;
    CHECK(text.find("$ORIGIN 0.0.10.in-addr.arpa.\n$TTL 300\n") != std::string::npos);
    CHECK(text.find("@        IN  SOA  ns1.internal.thinkheads.ai. "
                    "hostmaster.internal.thinkheads.ai. (\n") != std::string::npos);
    CHECK(text.find("         IN  NS   ns1.internal.thinkheads.ai.\n") != std::string::npos);
    const auto traefik = text.find("12       IN  PTR  traefik.internal.thinkheads.ai.");
    const auto pve = text.find("13       IN  PTR  pve.internal.thinkheads.ai.");
    const auto portainer = text.find("111      IN  PTR  portainer.internal.thinkheads.ai.");
    const auto nginx = text.find("153      IN  PTR  nginx.internal.thinkheads.ai.");
    CHECK(traefik < pve);
    CHECK(pve < portainer);
    CHECK(portainer < nginx);
    CHECK(nginx != std::string::npos);
    CHECK(text.find("; the Proxmox host\n") != std::string::npos);
    CHECK(text.find("; VM 1001\n") != std::string::npos);
    CHECK(result.zone->pointers == 4);
    CHECK(text.find(std::to_string(result.zone->serial) + " ; serial") != std::string::npos);
}

TEST_CASE("zone: in a /16 the owner names hold two labels, and --domain and --nameserver apply") {
    const auto result = zone_of(inventory_with("10.0.0.0/24", "10.0.0.0/16"),
                                {"example.org.", "dns.example.net", "rules.toml"});
    REQUIRE(result.zone);
    CHECK(result.zone->origin == "0.10.in-addr.arpa.");
    CHECK(result.zone->text.find("12.0     IN  PTR  traefik.example.org.") != std::string::npos);
    CHECK(result.zone->text.find("IN  SOA  dns.example.net. hostmaster.example.org. (") !=
          std::string::npos);
}

TEST_CASE("zone: the serial follows the records, not the rest of the rules file") {
    const auto base = zone_of(fw::test::kInventory);
    const auto with_rows = zone_of(fw::test::kInventory + R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "nginx"
comment = "rows do not change the zone"
)");
    const auto moved = zone_of(inventory_with("10.0.0.12", "10.0.0.14"));
    const auto renamed = zone_of(fw::test::kInventory, {"example.org", "", ""});
    REQUIRE(base.zone);
    REQUIRE(with_rows.zone);
    REQUIRE(moved.zone);
    REQUIRE(renamed.zone);
    CHECK(base.zone->serial == with_rows.zone->serial);
    CHECK(base.zone->serial != moved.zone->serial);
    CHECK(base.zone->serial != renamed.zone->serial);
    CHECK(base.zone->serial != 0);
}

TEST_CASE("zone: a network off an octet boundary is an error that names the rule") {
    const auto result = zone_of(inventory_with("10.0.0.0/24", "10.0.0.0/23"));
    CHECK_FALSE(result.zone);
    REQUIRE(result.errors.size() == 1);
    CHECK(result.errors[0] ==
          "the guest network 10.0.0.0/23 has no reverse zone of its own: phx-fw writes reverse "
          "zones for IPv4 networks of prefix length /8, /16 or /24 (an octet boundary) only");
}

TEST_CASE("zone: a domain or name server that is not a host name is an error") {
    CHECK(zone_of(fw::test::kInventory, {"bad_domain.example", "", ""}).errors ==
          std::vector<std::string>{"--domain 'bad_domain.example' is not a domain name (letters, "
                                   "digits and hyphens in labels of up to 63, separated by dots)"});
    CHECK(zone_of(fw::test::kInventory, {"example.org", "ns..example.org", ""}).errors ==
          std::vector<std::string>{"--nameserver 'ns..example.org' is not a host name"});
    CHECK(zone_of(fw::test::kInventory, {std::string(64, 'a') + ".org", "", ""}).errors.size() ==
          1);
}

TEST_CASE(
    "zone: a host outside the IPv4 network (an IPv6 guest) gets no PTR record and a warning") {
    std::string text = fw::test::kInventory;
    text.replace(text.find("network = \"10.0.0.0/24\""), 23,
                 "network = [\"10.0.0.0/24\", \"fd00::/64\"]");
    const auto result = zone_of(text + R"(
[[guest]]
id = 200
kind = "vm"
name = "elsewhere"
address = "fd00::9"
)");
    REQUIRE(result.zone);
    CHECK(result.zone->pointers == 4);
    CHECK(result.zone->text.find("elsewhere") == std::string::npos);
    CHECK(result.zone->warnings ==
          std::vector<std::string>{
              "elsewhere (fd00::9) is outside 10.0.0.0/24: no PTR record for it"});
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Lowering properties the golden files do not spell out: element grouping
// for the kernel's sets, rule order around drop rows, values as nft prints them.
#include "fw_test_util.hpp"
#include "fwcompile/lower.hpp"
#include "fwcompile/lower_detail.hpp"
#include "fwcompile/nft_text.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;

namespace {

ir::Interval port(std::uint16_t first, std::uint16_t last) {
    return ir::interval_of(PortRange{first, last});
}
ir::Interval address(const char* cidr) {
    return ir::interval_of(*Cidr::parse(cidr));
}

ir::Element element(const char* source, std::uint16_t first, std::uint16_t last,
                    ir::OriginId origin) {
    return ir::Element{{address(source), port(first, last)}, "c", {}, origin};
}

const ir::Chain& chain(const ir::Table& table, ir::Hook hook) {
    for (const auto& c : table.chains)
        if (c.hook == hook) return c;
    FAIL("no chain");
    return table.chains.front();
}

} // namespace

TEST_CASE("group_elements: single values share one hash set, duplicates dropped") {
    auto groups =
        detail::group_elements({element("10.0.0.1", 80, 80, 1), element("10.0.0.2", 80, 80, 2),
                                element("10.0.0.1", 80, 80, 3)});
    REQUIRE(groups.points.size() == 2);
    CHECK(groups.points[0].origin == 1);
    CHECK(groups.points[1].origin == 2);
    CHECK(groups.layers.empty());
}

TEST_CASE(
    "group_elements: overlapping ranges go to separate interval sets, covered ones are dropped") {
    auto groups =
        detail::group_elements({element("10.0.0.0/24", 80, 90, 1),     // layer 0
                                element("10.0.0.0/25", 85, 95, 2),     // overlaps 1: layer 1
                                element("10.0.0.0/26", 81, 82, 3),     // inside 1: dropped
                                element("10.0.1.0/24", 80, 90, 4),     // disjoint: layer 0
                                element("10.0.0.128/25", 91, 99, 5)}); // overlaps 2 only: layer 0
    REQUIRE(groups.layers.size() == 2);
    REQUIRE(groups.layers[0].size() == 3);
    CHECK(groups.layers[0][0].origin == 1);
    CHECK(groups.layers[0][1].origin == 4);
    CHECK(groups.layers[0][2].origin == 5);
    REQUIRE(groups.layers[1].size() == 1);
    CHECK(groups.layers[1][0].origin == 2);
    CHECK(groups.points.empty());
}

TEST_CASE("lower: a drop row splits the accept rows around it into separate lookups, in order") {
    const auto loaded = test::load_rows(R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "nginx"
protocol = "tcp"
ports = 80
comment = "first accept"

[[rule]]
scope = "global"
direction = "in"
action = "drop"
source = "10.0.0.12"
destination = "nginx"
comment = "the drop"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = ["10.0.0.12", "10.0.0.111"]
destination = "nginx"
protocol = "tcp"
ports = 443
comment = "second accept"
)");
    REQUIRE(loaded.rules);
    const ir::Table table = lower(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    REQUIRE(forward.rules.size() == 3 + 3); // conntrack twice and ND, then the three rows
    CHECK(rule_text(forward.rules[3], table) == "ip daddr 10.0.0.153 tcp dport 80 counter packets "
                                                "0 bytes 0 accept comment \"first accept\"");
    CHECK(rule_text(forward.rules[4], table) == "ip saddr 10.0.0.12 ip daddr 10.0.0.153 counter "
                                                "packets 0 bytes 0 drop comment \"the drop\"");
    CHECK(rule_text(forward.rules[5], table) ==
          "ip saddr . ip daddr . meta l4proto . th dport @forward_1 counter "
          "packets 0 bytes 0 accept comment \"second accept\"");
    REQUIRE(table.find_set("forward_1"));
    CHECK(table.find_set("forward_1")->elements.size() == 2);
    CHECK_FALSE(table.find_set("forward_1")->interval);
}

TEST_CASE("lower: elements and rules remember the row they came from") {
    const auto loaded = test::load_rows(R"(
[[rule]]
scope = "nginx"
direction = "out"
action = "accept"
destination = ["traefik", "portainer"]
protocol = "tcp"
ports = 9000
comment = "two destinations"
)");
    REQUIRE(loaded.rules);
    const ir::Table table = lower(*loaded.rules, Target{});
    const ir::Set* set = table.find_set("forward_1");
    REQUIRE(set);
    for (const auto& e : set->elements) {
        REQUIRE(table.origin(e.origin));
        CHECK(table.origin(e.origin)->line == 25);
    }
    CHECK(table.origin(0)->line == 0); // the built-in rules come from the file as a whole
}

TEST_CASE(
    "value_text: addresses print as hosts, prefixes or ranges, protocols and ports as nft does") {
    CHECK(value_text(ir::Type::ipv4_addr, address("10.0.0.7")) == "10.0.0.7");
    CHECK(value_text(ir::Type::ipv4_addr, address("10.0.0.0/23")) == "10.0.0.0/23");
    CHECK(value_text(ir::Type::ipv4_addr, {address("10.0.0.1").lo, address("10.0.0.5").lo}) ==
          "10.0.0.1-10.0.0.5");
    CHECK(value_text(ir::Type::ipv6_addr, address("fd00::/8")) == "fd00::/8");
    CHECK(value_text(ir::Type::inet_proto, ir::interval_of_byte(17)) == "udp");
    CHECK(value_text(ir::Type::inet_proto, ir::interval_of_byte(58)) == "ipv6-icmp");
    CHECK(value_text(ir::Type::inet_proto, ir::interval_of_byte(47)) == "47");
    CHECK(value_text(ir::Type::inet_service, port(8000, 8100)) == "8000-8100");
    CHECK(value_text(ir::Type::icmpv6_type, ir::interval_of_byte(135)) == "nd-neighbor-solicit");
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Lowering properties the golden files do not spell out: element grouping
// for the kernel's sets, rule order around drop rows, values as nft prints them.
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/nft_text.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <set>
#include <string>
#include <type_traits>

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

// `count` port ranges from `source`, disjoint: range i+1 is ports 2i-2i+1,
// its origin i+1.
std::vector<ir::Element> disjoint_ranges(const char* source, std::uint16_t count) {
    std::vector<ir::Element> elements;
    for (std::uint16_t i = 0; i < count; ++i)
        elements.push_back(element(source, static_cast<std::uint16_t>(2 * i),
                                   static_cast<std::uint16_t>(2 * i + 1), i + 1u));
    return elements;
}

// Fails for every two elements of one layer (one interval set) that overlap.
void check_layers_apart(const detail::ElementGroups& groups) {
    const auto meet = [](const ir::Element& a, const ir::Element& b) {
        for (std::size_t f = 0; f < a.key.size(); ++f)
            if (b.key[f].hi < a.key[f].lo || a.key[f].hi < b.key[f].lo) return false;
        return true;
    };
    for (const auto& layer : groups.layers)
        for (std::size_t i = 0; i < layer.size(); ++i)
            for (std::size_t j = i + 1; j < layer.size(); ++j)
                if (meet(layer[i], layer[j]))
                    FAIL_CHECK("elements " << layer[i].origin << " and " << layer[j].origin
                                           << " overlap in one set");
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

TEST_CASE("group_elements: an interval set holds at most 1,024 elements, the rest go on to more") {
    std::vector<ir::Element> elements = disjoint_ranges("10.0.0.0/24", 2500);
    const auto groups = detail::group_elements(elements);
    REQUIRE(groups.layers.size() == 3);
    CHECK(groups.layers[0].size() == 1024);
    CHECK(groups.layers[1].size() == 1024);
    CHECK(groups.layers[2].size() == 452);
    CHECK(groups.layers[2].back().origin == 2500);
}

TEST_CASE("group_elements: past 512 candidates a range is placed by its layer's members, "
          "still apart from what it overlaps") {
    // 2,000 disjoint ranges with no single value in their key: each may meet
    // every one before it, so past the candidate limit they are placed by
    // checking the last layer's members. Then a range inside range 1,600 (in
    // that layer), which adds nothing, and a range that holds range 1,500
    // (the same layer): it must not share that layer, so it opens one. Last a
    // range inside range 100 (the first layer), which the index would drop;
    // placed by the new layer's members it is kept there, matching nothing more.
    std::vector<ir::Element> elements = disjoint_ranges("10.0.0.0/24", 2000);
    elements.push_back(element("10.0.0.0/25", 3200, 3200, 2001));
    elements.push_back(element("10.0.0.0/23", 3000, 3001, 2002));
    elements.push_back(element("10.0.0.0/25", 200, 200, 2003));
    const auto groups = detail::group_elements(elements);
    check_layers_apart(groups);
    std::size_t total = 0;
    for (const auto& layer : groups.layers) {
        CHECK(layer.size() <= 1024);
        total += layer.size();
    }
    CHECK(total == 2002);
    REQUIRE(groups.layers.size() == 3);
    CHECK(groups.layers[0].size() == 1024);
    CHECK(groups.layers[1].size() == 976);
    REQUIRE(groups.layers[2].size() == 2);
    CHECK(groups.layers[2][0].origin == 2002);
    CHECK(groups.layers[2][1].origin == 2003);
}

TEST_CASE("group_elements: a range meets those filed under its single value") {
    std::vector<ir::Element> elements = disjoint_ranges("10.0.0.1", 10);
    elements.push_back(element("10.0.0.1", 9, 10, 11));  // meets 5 and 6
    elements.push_back(element("10.0.0.2", 9, 10, 12));  // another host: meets nothing
    elements.push_back(element("10.0.0.1", 12, 13, 13)); // inside 7: adds nothing
    const auto groups = detail::group_elements(elements);
    REQUIRE(groups.layers.size() == 2);
    REQUIRE(groups.layers[0].size() == 11);
    CHECK(groups.layers[0][10].origin == 12);
    REQUIRE(groups.layers[1].size() == 1);
    CHECK(groups.layers[1][0].origin == 11);
}

TEST_CASE("group_elements: ranges filed under one value are found by it, past 512 as well") {
    // 700 disjoint port ranges from one host (filed under its address, the
    // key's single value), then a range from the host's /24 that meets range
    // 650 in one port (found through the addresses in order), then one from
    // the host across ranges 5 and 6 (past the limit, placed by a layer's
    // members): neither may share a set with a range it meets.
    std::vector<ir::Element> elements = disjoint_ranges("10.0.0.1", 700);
    elements.push_back(element("10.0.0.0/24", 1300, 1300, 701));
    elements.push_back(element("10.0.0.1", 9, 10, 702));
    const auto groups = detail::group_elements(elements);
    check_layers_apart(groups);
    std::vector<bool> seen(703, false);
    for (const auto& layer : groups.layers)
        for (const auto& e : layer) seen[e.origin] = true;
    for (ir::OriginId origin = 1; origin <= 702; ++origin) CHECK(seen[origin]);
}

TEST_CASE("lower: a drop row splits the accept rows around it into separate lookups, in order") {
    const auto loaded = fw::test::load_rows(R"(
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
    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    // the scope, conntrack twice and ND, the three rows, the log and the counted drop
    REQUIRE(forward.rules.size() == 4 + 3 + 2);
    CHECK(rule_text(forward.rules[4], table) == "ip daddr 10.0.0.153 tcp dport 80 counter packets "
                                                "0 bytes 0 accept comment \"first accept\"");
    CHECK(rule_text(forward.rules[5], table) == "ip saddr 10.0.0.12 ip daddr 10.0.0.153 counter "
                                                "packets 0 bytes 0 drop comment \"the drop\"");
    CHECK(rule_text(forward.rules[6], table) ==
          "ip saddr . ip daddr . meta l4proto . th dport @forward_1 counter "
          "packets 0 bytes 0 accept comment \"second accept\"");
    REQUIRE(table.find_set("forward_1"));
    CHECK(table.find_set("forward_1")->elements.size() == 2);
    CHECK_FALSE(table.find_set("forward_1")->interval);
}

TEST_CASE("lower: elements and rules remember the row they came from") {
    const auto loaded = fw::test::load_rows(R"(
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
    const ir::Table table = lower_inet(*loaded.rules, Target{});
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

TEST_CASE("lower: an accept row moves up past a drop row it shares no packet with, not past one "
          "it does") {
    const auto loaded = fw::test::load_rows(R"(
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
action = "drop"
destination = "traefik"
protocol = "tcp"
ports = 23
comment = "no telnet to traefik"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "traefik"
protocol = "tcp"
ports = 443
comment = "tls to traefik"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
destination = "traefik"
protocol = "tcp"
ports = "20-30"
comment = "a range that holds telnet"
)");
    REQUIRE(loaded.rules);
    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    REQUIRE(forward.rules.size() == 4 + 3 + 2);
    // "web" and "tls to traefik" share no packet with the drop row: one set
    // before it. The range holds port 23, so it stays behind the drop.
    const std::string first = rule_text(forward.rules[4], table);
    CHECK(first.rfind("ip saddr . ip daddr . meta l4proto . th dport @forward_1 counter packets 0 "
                      "bytes 0 accept comment \"2 accept rows, ",
                      0) == 0);
    CHECK(first.ends_with(":25-43\"")); // "web" and "tls to traefik", not the range at line 52
    CHECK(rule_text(forward.rules[5], table) == "ip daddr 10.0.0.12 tcp dport 23 counter packets "
                                                "0 bytes 0 drop comment \"no telnet to traefik\"");
    CHECK(rule_text(forward.rules[6], table) ==
          "ip daddr 10.0.0.12 tcp dport 20-30 counter packets "
          "0 bytes 0 accept comment \"a range that holds "
          "telnet\"");
}

namespace {

// An interval set holds at most this many elements (detail.hpp).
constexpr std::size_t kElementsPerIntervalSet = 1024;

// group_elements' contract read plainly, comparing every pair: what the
// indexed version must agree with (while no range meets more than 512).
detail::ElementGroups reference_groups(const std::vector<ir::Element>& elements) {
    const auto intersects = [](const ir::Element& a, const ir::Element& b) {
        for (std::size_t i = 0; i < a.key.size(); ++i)
            if (b.key[i].hi < a.key[i].lo || a.key[i].hi < b.key[i].lo) return false;
        return true;
    };
    const auto inside = [](const ir::Element& in, const ir::Element& out) {
        for (std::size_t i = 0; i < in.key.size(); ++i)
            if (in.key[i].lo < out.key[i].lo || out.key[i].hi < in.key[i].hi) return false;
        return true;
    };
    detail::ElementGroups groups;
    for (const auto& e : elements) {
        if (std::all_of(e.key.begin(), e.key.end(), [](const auto& i) { return i.point(); })) {
            if (std::none_of(groups.points.begin(), groups.points.end(),
                             [&](const auto& p) { return p.key == e.key; }))
                groups.points.push_back(e);
            continue;
        }
        bool covered = false;
        for (const auto& layer : groups.layers)
            for (const auto& other : layer) covered = covered || inside(e, other);
        if (covered) continue;
        auto layer = std::find_if(groups.layers.begin(), groups.layers.end(), [&](const auto& l) {
            return l.size() < kElementsPerIntervalSet &&
                   std::none_of(l.begin(), l.end(),
                                [&](const auto& o) { return intersects(e, o); });
        });
        if (layer == groups.layers.end()) {
            groups.layers.emplace_back();
            layer = std::prev(groups.layers.end());
        }
        layer->push_back(e);
    }
    return groups;
}

std::vector<ir::OriginId> origins(const std::vector<ir::Element>& elements) {
    std::vector<ir::OriginId> out;
    for (const auto& e : elements) out.push_back(e.origin);
    return out;
}

} // namespace

TEST_CASE("group_elements: the indexed grouping agrees with comparing every pair") {
    // Few distinct values, so that repeats, overlaps and covered ranges are common.
    std::uint32_t seed = 12345;
    const auto next = [&](std::uint32_t n) {
        seed = seed * 1103515245 + 12345;
        return (seed >> 16) % n;
    };
    const char* sources[] = {"10.0.0.1", "10.0.0.2", "10.0.0.0/30", "10.0.0.0/24", "10.0.1.0/24"};
    for (int round = 0; round < 50; ++round) {
        std::vector<ir::Element> elements;
        for (ir::OriginId o = 1; o <= 60; ++o) {
            const auto first = static_cast<std::uint16_t>(80 + next(6));
            const auto last = static_cast<std::uint16_t>(first + (next(3) == 0 ? next(5) : 0));
            elements.push_back(element(sources[next(5)], first, last, o));
        }
        const auto indexed = detail::group_elements(elements);
        const auto plain = reference_groups(elements);
        CHECK(origins(indexed.points) == origins(plain.points));
        REQUIRE(indexed.layers.size() == plain.layers.size());
        for (std::size_t l = 0; l < plain.layers.size(); ++l)
            CHECK(origins(indexed.layers[l]) == origins(plain.layers[l]));
    }
}

TEST_CASE("group_elements: with many values and many ranges (two threads), the same groups as "
          "plainly made") {
    std::uint32_t seed = 777;
    const auto next = [&](std::uint32_t n) {
        seed = seed * 1103515245 + 12345;
        return (seed >> 16) % n;
    };
    std::vector<ir::Element> points, ranges;
    ir::OriginId origin = 0;
    // Values repeat; ranges overlap and cover each other, each meeting only a
    // few (the reference knows nothing of kMaxCandidates). Mixed, as rows make
    // them.
    while (points.size() < detail::kPointsForTwoThreads + 500 ||
           ranges.size() < detail::kRangesForTwoThreads + 100) {
        const std::string source = fmt::format("10.0.0.{}", 1 + next(40));
        const auto first = static_cast<std::uint16_t>(1000 + next(2'000));
        if (next(12) == 0) {
            const auto last = static_cast<std::uint16_t>(first + 1 + next(8));
            ranges.push_back(element(source.c_str(), first, last, ++origin));
        } else {
            points.push_back(element(source.c_str(), first, first, ++origin));
        }
    }
    std::vector<ir::Element> all = points;
    all.insert(all.end(), ranges.begin(), ranges.end());
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.origin < b.origin; });
    const auto groups = detail::group_elements(all);
    // The values: the first of each key, in order (found with a plain ordered set).
    std::set<std::vector<ir::Interval>> seen;
    std::vector<ir::OriginId> first_points;
    for (const auto& p : points)
        if (seen.insert(p.key).second) first_points.push_back(p.origin);
    REQUIRE(first_points.size() < points.size()); // there were repeats to drop
    CHECK(origins(groups.points) == first_points);
    // The ranges: as the pairwise reference layers them.
    const auto plain = reference_groups(ranges);
    REQUIRE(groups.layers.size() == plain.layers.size());
    for (std::size_t l = 0; l < plain.layers.size(); ++l)
        CHECK(origins(groups.layers[l]) == origins(plain.layers[l]));
}

TEST_CASE("lower: a run of accept rows long enough for two threads keeps the rows' order in its "
          "sets and plain rules") {
    // Row i: from 10.1.x.y to nginx, tcp/80; every 97th tcp/2000-2005 (a
    // range, for an interval set); every 997th an icmp row with no address
    // or port (a plain rule); in the run's later half, every 499th has no
    // protocol, a key shape the earlier half never has.
    const int rows = static_cast<int>(detail::kRunRowsForTwoThreads) + 2'000;
    std::string text;
    for (int i = 0; i < rows; ++i) {
        const std::string ends =
            fmt::format("source = \"10.1.{}.{}\"\ndestination = \"nginx\"\n", i / 256, i % 256);
        std::string flow = ends + "protocol = \"tcp\"\nports = 80\n";
        if (i % 997 == 0)
            flow = "protocol = \"icmp\"\n";
        else if (i > rows / 2 + 100 && i % 499 == 0)
            flow = ends;
        else if (i % 97 == 5)
            flow = ends + "protocol = \"tcp\"\nports = \"2000-2005\"\n";
        text += fmt::format("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                            "\"accept\"\n{}comment = \"row {}\"\n",
                            flow, i);
    }
    const auto loaded = fw::test::load_rows(text);
    REQUIRE(loaded.rules);
    REQUIRE(loaded.messages.empty());
    // What each set should hold, from the rows as loaded: origin = index + 1.
    std::vector<ir::OriginId> tcp, tcp_ranges, no_protocol, icmp;
    const auto& all = loaded.rules->rows;
    for (std::size_t k = 0; k < all.size(); ++k) {
        if (all[k].origin != RowOrigin::rule) continue;
        const Flow& flow = all[k].flow;
        const auto origin = static_cast<ir::OriginId>(k + 1);
        if (flow.protocol == Protocol::tcp && flow.ports.ranges.at(0).first == 2000)
            tcp_ranges.push_back(origin);
        else if (flow.protocol == Protocol::tcp)
            tcp.push_back(origin);
        else if (flow.protocol == Protocol::icmp)
            icmp.push_back(origin);
        else
            no_protocol.push_back(origin);
    }
    REQUIRE(tcp.size() + tcp_ranges.size() + icmp.size() + no_protocol.size() ==
            static_cast<std::size_t>(rows));
    REQUIRE(no_protocol.size() > 1);
    REQUIRE(tcp_ranges.size() > 100);

    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    // the scope, conntrack twice and ND; the three set lookups, in the order
    // their shapes first appear (a shape's single values, then its ranges);
    // the icmp rows; the log and the counted drop
    REQUIRE(forward.rules.size() == 4 + 3 + icmp.size() + 2);
    const ir::Set* values = table.find_set("forward_1");
    const ir::Set* ranges = table.find_set("forward_2");
    const ir::Set* other_shape = table.find_set("forward_3");
    REQUIRE(values);
    REQUIRE(ranges);
    REQUIRE(other_shape);
    CHECK(values->key.size() == 4);
    CHECK(ranges->interval);
    CHECK(other_shape->key.size() == 2);
    CHECK(origins(values->elements) == tcp);
    CHECK(origins(ranges->elements) == tcp_ranges);
    CHECK(origins(other_shape->elements) == no_protocol);
    std::vector<ir::OriginId> plain;
    for (std::size_t r = 7; r < 7 + icmp.size(); ++r) plain.push_back(forward.rules[r].origin);
    CHECK(plain == icmp);
}

TEST_CASE("lower: forward starts by passing what is not through the inventory's bridges, every "
          "chain ends by logging and counting what it drops") {
    const auto loaded = fw::test::load_rows("");
    REQUIRE(loaded.rules);
    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    CHECK(rule_text(forward.rules.front(), table) ==
          "iifname != \"vmbr0\" oifname != \"vmbr0\" accept comment \"not through vmbr0: not "
          "phx-fw's\"");
    for (const auto hook : {ir::Hook::input, ir::Hook::forward, ir::Hook::output}) {
        const ir::Chain& c = chain(table, hook);
        REQUIRE(c.rules.size() >= 2);
        CHECK(rule_text(c.rules[c.rules.size() - 2], table) ==
              fmt::format("limit rate 10/second burst 20 packets log prefix \"phx-fw drop {}: \" "
                          "group 100",
                          ir::to_string(hook)));
        CHECK(rule_text(c.rules.back(), table) ==
              "counter packets 0 bytes 0 drop comment \"policy: drop what no row accepts\"");
    }
    CHECK(table.comment.rfind("phx-fw: the hypervisor target, rules phx-test-", 0) == 0);
}

TEST_CASE("lower: with two bridges the scope is a set, [logging] turns the log off or moves it") {
    std::string text = fw::test::kInventory;
    text.replace(text.find("bridge = \"vmbr0\""), 16, "bridge = [\"vmbr0\", \"vmbr1\"]");
    text += "\n[logging]\ndrops = false\n";
    const auto loaded = fw::test::load_text(text);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = chain(table, ir::Hook::forward);
    CHECK(rule_text(forward.rules.front(), table) ==
          "iifname != { \"vmbr0\", \"vmbr1\" } oifname != { \"vmbr0\", \"vmbr1\" } accept "
          "comment \"not through vmbr0, vmbr1: not phx-fw's\"");
    CHECK(rule_text(forward.rules.back(), table).find("drop comment \"policy") !=
          std::string::npos);
    CHECK(rule_text(forward.rules[forward.rules.size() - 2], table).find("log") ==
          std::string::npos);
}

TEST_CASE("lower: the host target has no bridge table and names its chains in the log prefix") {
    const auto loaded = fw::test::load_rows("");
    REQUIRE(loaded.rules);
    const auto nginx = loaded.rules->inventory.find("nginx");
    const ir::Ruleset ruleset = lower(*loaded.rules, Target{nginx});
    REQUIRE(ruleset.tables.size() == 1);
    const ir::Table& table = ruleset.tables.front();
    CHECK(table.comment.rfind("phx-fw: host nginx (10.0.0.153), rules phx-test-", 0) == 0);
    const ir::Chain& input = chain(table, ir::Hook::input);
    CHECK(rule_text(input.rules[input.rules.size() - 2], table)
              .find("log prefix \"phx-fw drop nginx input: \"") != std::string::npos);
}

TEST_CASE("lower: the bridge table binds each guest's address (and MAC) to its port") {
    std::string text = fw::test::kInventory;
    text.insert(text.find("[[guest]]\nid = 102"), "mac = \"bc:24:11:00:00:65\"\n\n");
    const auto loaded = fw::test::load_text(text);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    const ir::Ruleset ruleset = lower(*loaded.rules, Target{});
    REQUIRE(ruleset.tables.size() == 2);
    const ir::Table& bridge = ruleset.tables[1];
    CHECK(bridge.family == ir::Family::bridge);
    const std::string shown = to_nft_text(bridge);
    for (const char* expected :
         {"table bridge phx {", "type filter hook prerouting priority filter; policy accept;",
          "elements = { \"veth101i0\" comment \"nginx\"", "\"tap1001i0\" comment \"portainer\"",
          "\"veth101i0\" . 10.0.0.153 comment \"nginx\"",
          "\"veth101i0\" . bc:24:11:00:00:65 comment \"nginx\"", "iifname != @guest_ports accept",
          "iifname @mac_ports iifname . ether saddr != @mac_bindings counter packets 0 bytes 0 "
          "drop",
          "iifname . arp saddr ip != @ip_bindings arp saddr ip != 0.0.0.0 counter",
          "ip saddr 0.0.0.0 udp dport 67 accept",
          "iifname . ip saddr != @ip_bindings counter packets 0 bytes 0 drop",
          "udp sport { 67, 547 } counter packets 0 bytes 0 drop",
          "icmpv6 type nd-router-advert counter packets 0 bytes 0 drop"})
        CHECK_MESSAGE(shown.find(expected) != std::string::npos, expected << "\n" << shown);
    CHECK(shown.find("ip6_bindings") == std::string::npos); // no guest has an IPv6 address
}

TEST_CASE("lower: elements' comments outlive the rule set they were lowered from") {
    // An element's comment views its row's, in the rule set's texts, which
    // the table shares; a bridge element's is the guest's name, kept there too.
    ir::Ruleset ruleset;
    {
        const auto loaded = fw::test::load_rows(R"(
[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = ["10.0.0.12", "10.0.0.111"]
destination = "nginx"
protocol = "tcp"
ports = 443
comment = "an accept with two sources"
)");
        REQUIRE(loaded.rules);
        ruleset = lower(*loaded.rules, Target{});
    }
    const ir::Table* inet = ruleset.find(ir::Family::inet);
    REQUIRE(inet);
    const ir::Set* set = inet->find_set("forward_1");
    REQUIRE(set);
    REQUIRE(set->elements.size() == 2);
    for (const auto& e : set->elements) CHECK(e.comment == "an accept with two sources");
    const ir::Table* bridge = ruleset.find(ir::Family::bridge);
    REQUIRE(bridge);
    const ir::Set* ports = bridge->find_set("guest_ports");
    REQUIRE(ports);
    REQUIRE_FALSE(ports->elements.empty());
    CHECK(ports->elements.front().comment == "nginx");
}

// A comment (TextView) cannot be made from a temporary string: it would dangle.
static_assert(!std::is_constructible_v<TextView, std::string&&>);
static_assert(std::is_constructible_v<TextView, const std::string&>);
static_assert(std::is_constructible_v<TextView, const char*>);

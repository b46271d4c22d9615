// SPDX-License-Identifier: GPL-3.0-or-later
// table bridge phx's fast path is a shortcut and must stay one: over every
// frame of a grid (each port, MAC, protocol, source, port number), the chain
// with it decides exactly as the chain without it, and the grid is fine
// enough to catch a fast path that forgets one of the checks it skips.
#include "fwcompile/lower/lower.hpp"
#include "unit/fwcompile/fw_test_util.hpp"
#include "unit/fwcompile/lower/ir_eval.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>

using namespace phx;
using namespace phx::fw;

namespace {

constexpr std::string_view kFastComment = "a guest's own address on its own port";

enum class Net : std::uint8_t { ipv4, ipv6, arp };

// A frame as table bridge phx sees it at prerouting.
struct Frame {
    std::string port;
    MacAddress mac{};
    Net net = Net::ipv4;
    IpAddress source; // ip saddr, ip6 saddr or the ARP sender's address
    std::uint8_t l4 = IPPROTO_TCP;
    std::uint16_t sport = 0;
    std::uint16_t dport = 0;
    std::uint8_t icmpv6_type = 0;

    [[nodiscard]] std::string describe() const {
        return fmt::format("{} from {} on {} proto {} sport {} dport {} icmpv6 {}",
                           net == Net::arp ? "ARP" : "IP", source.to_string(), port, l4, sport,
                           dport, icmpv6_type);
    }
};

// The frame's value of a field; nullopt where the kernel's dependency
// (meta protocol, ether type, l4proto) fails and the rule stops.
std::optional<ir::Value> value_of(ir::Field field, const Frame& f) {
    const bool ip = f.net != Net::arp;
    const bool ports = ip && (f.l4 == IPPROTO_TCP || f.l4 == IPPROTO_UDP);
    const auto address = [&] { return ir::interval_of(Cidr::host(f.source)).lo; };
    switch (field) {
    case ir::Field::iifname:
        return ir::interval_of_name(f.port).lo;
    case ir::Field::ether_saddr:
        return ir::interval_of_mac(f.mac).lo;
    case ir::Field::ip_saddr:
        if (f.net == Net::ipv4) return address();
        return std::nullopt;
    case ir::Field::ip6_saddr:
        if (f.net == Net::ipv6) return address();
        return std::nullopt;
    case ir::Field::arp_spa:
        if (f.net == Net::arp) return address();
        return std::nullopt;
    case ir::Field::l4proto:
        if (ip) return ir::interval_of_byte(f.l4).lo;
        return std::nullopt;
    case ir::Field::th_sport:
        if (ports) return ir::interval_of(PortRange{f.sport, f.sport}).lo;
        return std::nullopt;
    case ir::Field::th_dport:
        if (ports) return ir::interval_of(PortRange{f.dport, f.dport}).lo;
        return std::nullopt;
    case ir::Field::icmpv6_type:
        if (f.net == Net::ipv6 && f.l4 == IPPROTO_ICMPV6)
            return ir::interval_of_byte(f.icmpv6_type).lo;
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

bool holds(const ir::Match& match, const Frame& frame, const ir::Table& table) {
    if (const auto* f = std::get_if<ir::FieldMatch>(&match)) {
        const auto v = value_of(f->field, frame);
        return v && fw::test::within(f->value, *v) != f->negate;
    }
    const auto* s = std::get_if<ir::SetMatch>(&match);
    REQUIRE_MESSAGE(s, "table bridge phx matches only fields and sets");
    std::vector<ir::Value> key;
    for (const auto field : s->key) {
        const auto v = value_of(field, frame);
        if (!v) return false;
        key.push_back(*v);
    }
    const ir::Set* set = table.find_set(s->set);
    REQUIRE_MESSAGE(set, s->set);
    return (fw::test::lookup(*set, key) != nullptr) != s->negate;
}

// "accept" (by rule or policy) or the comment of the drop rule that counts it.
std::string decide(const std::vector<ir::Rule>& rules, const Frame& frame, const ir::Table& table) {
    for (const auto& rule : rules) {
        bool hit = true;
        for (const auto& match : rule.matches)
            if (hit) hit = holds(match, frame, table);
        if (!hit || rule.verdict == ir::Verdict::none) continue;
        return rule.verdict == ir::Verdict::accept ? "accept" : "drop: " + rule.comment;
    }
    return "accept";
}

bool is_fast(const ir::Rule& rule) {
    return rule.comment.starts_with(kFastComment);
}

MacAddress mac(std::uint8_t last) {
    return {0xbc, 0x24, 0x11, 0x00, 0x00, last};
}

std::vector<Frame> grid() {
    std::vector<Frame> frames;
    const std::vector<std::string> ports{"veth101i0", "veth102i0", "tap1001i0", "eno1",
                                         "veth999i0"};
    const std::vector<std::string> v4{"10.0.0.153", "10.0.0.12", "10.0.0.111", "0.0.0.0",
                                      "10.0.0.99"};
    const std::vector<std::string> v6{"fe80::1", "2001:db8::1"};
    const std::uint8_t l4s[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6};
    const std::uint16_t numbers[] = {67, 547, 40000};
    for (const auto& port : ports)
        for (const std::uint8_t last :
             {std::uint8_t{0x65}, std::uint8_t{0x66}, std::uint8_t{0x01}}) {
            Frame f;
            f.port = port;
            f.mac = mac(last);
            for (const auto& text : v4) {
                f.source = *IpAddress::parse(text);
                f.net = Net::arp;
                frames.push_back(f);
                f.net = Net::ipv4;
                for (const auto l4 : l4s)
                    for (const auto sport : numbers)
                        for (const std::uint16_t dport : {std::uint16_t{67}, std::uint16_t{80}}) {
                            f.l4 = l4;
                            f.sport = sport;
                            f.dport = dport;
                            frames.push_back(f);
                        }
            }
            f.net = Net::ipv6;
            for (const auto& text : v6) {
                f.source = *IpAddress::parse(text);
                for (const auto l4 : l4s)
                    for (const auto sport : numbers)
                        for (const std::uint8_t type : {std::uint8_t{134}, std::uint8_t{128}}) {
                            f.l4 = l4;
                            f.sport = sport;
                            f.dport = 80;
                            f.icmpv6_type = type;
                            frames.push_back(f);
                        }
            }
        }
    return frames;
}

struct Comparison {
    std::size_t fast = 0;        // frames the fast path accepted
    std::size_t dropped = 0;     // frames the checks drop
    std::size_t differences = 0; // frames decided otherwise than by the checks alone
    std::string first;
};

Comparison compare(const ir::Table& table, const std::vector<ir::Rule>& rules) {
    std::vector<ir::Rule> checks;
    std::vector<ir::Rule> fast;
    for (const auto& rule : rules) (is_fast(rule) ? fast : checks).push_back(rule);
    Comparison c;
    for (const Frame& frame : grid()) {
        const std::string by_checks = decide(checks, frame, table);
        const std::string by_chain = decide(rules, frame, table);
        c.fast += std::any_of(fast.begin(), fast.end(), [&](const ir::Rule& r) {
            return std::all_of(r.matches.begin(), r.matches.end(),
                               [&](const ir::Match& m) { return holds(m, frame, table); });
        });
        c.dropped += by_checks != "accept";
        if (by_checks != by_chain && c.differences++ == 0)
            c.first = fmt::format("{}: {} instead of {}", frame.describe(), by_chain, by_checks);
    }
    return c;
}

ir::Table bridge_table(const std::string& text) {
    const auto loaded = fw::test::load_text(text);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    const ir::Ruleset ruleset = lower(*loaded.rules, Target{});
    const ir::Table* table = ruleset.find(ir::Family::bridge);
    REQUIRE(table);
    return *table;
}

// kInventory with a MAC for the guests of these ids.
std::string with_macs(std::initializer_list<std::pair<int, std::uint8_t>> macs) {
    std::string text = fw::test::kInventory;
    for (const auto& [id, last] : macs) {
        const auto guest = text.find(fmt::format("id = {}\n", id));
        const auto line_end = text.find('\n', text.find("address = ", guest));
        text.insert(line_end + 1, fmt::format("mac = \"{}\"\n", to_string(mac(last))));
    }
    return text;
}

} // namespace

TEST_CASE("lower: table bridge phx's fast path decides every frame as its checks do") {
    const struct {
        const char* what;
        std::string inventory;
        std::size_t fast_rules;
    } cases[] = {
        {"no guest has a MAC", fw::test::kInventory, 1},
        {"one guest has a MAC", with_macs({{101, 0x65}}), 2},
        {"every guest has a MAC", with_macs({{101, 0x65}, {102, 0x66}, {1001, 0x01}}), 1},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        const ir::Table table = bridge_table(c.inventory);
        const auto& rules = table.chains.front().rules;
        CHECK(static_cast<std::size_t>(std::count_if(rules.begin(), rules.end(), is_fast)) ==
              c.fast_rules);
        CHECK(is_fast(rules.front())); // before the uplink's checks too
        const Comparison result = compare(table, rules);
        CHECK_MESSAGE(result.differences == 0, result.first);
        CHECK(result.fast > 0);
        CHECK(result.dropped > 0);

        // The grid sees a fast path that lets UDP through (DHCP server
        // replies from a guest's own address), or that forgets the MAC.
        std::vector<ir::Rule> with_udp = rules;
        for (auto& rule : with_udp)
            if (is_fast(rule)) rule.matches.pop_back();
        CHECK(compare(table, with_udp).differences > 0);
        if (table.find_set("ip_mac_fast")) {
            std::vector<ir::Rule> without_mac = rules;
            for (auto& rule : without_mac)
                if (is_fast(rule))
                    rule.matches.front() =
                        ir::SetMatch{{ir::Field::iifname, ir::Field::ip_saddr}, "ip_bindings"};
            CHECK(compare(table, without_mac).differences > 0);
        }
    }
}

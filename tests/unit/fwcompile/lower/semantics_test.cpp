// SPDX-License-Identifier: GPL-3.0-or-later
// Lowering changes no verdict: random policies in the four scope forms, with
// overlapping ports, protocols and prefixes and more drop rows than an
// accept row compares itself with (lower/segment.cpp), are lowered for every
// target, and packets are put through each chain as the kernel would
// (ir_eval.hpp) and through the rows in written order (explain's
// first_match). They must agree on the verdict; a drop or reject must be the
// very row's rule, so its counter and comment name it; an accept must be
// counted on a row that accepts the packet.
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/views/explain.hpp"
#include "unit/fwcompile/fw_test_util.hpp"
#include "unit/fwcompile/lower/ir_eval.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::fw;

namespace {

class Random {
public:
    explicit Random(std::uint32_t seed) : state_(seed) {}
    std::uint32_t below(std::uint32_t n) {
        state_ = state_ * 1103515245u + 12345u;
        return (state_ >> 16) % n;
    }
    template <typename T, std::size_t N>
    const T& pick(const std::array<T, N>& from) {
        return from[below(N)];
    }

private:
    std::uint32_t state_;
};

// Sides as written: hosts by name or address, prefixes holding them or
// beside them, lists. nullptr: the key is left out ("any").
constexpr std::array<const char*, 14> kSides{"\"nginx\"",
                                             "\"traefik\"",
                                             "\"10.0.0.111\"",
                                             "\"pve\"",
                                             "\"10.0.0.0/25\"",
                                             "\"10.0.0.128/25\"",
                                             "\"10.0.0.0/24\"",
                                             "\"192.0.2.0/24\"",
                                             "\"192.0.2.0/28\"",
                                             "\"198.51.100.7\"",
                                             "[\"nginx\", \"traefik\"]",
                                             "[\"192.0.2.0/28\", \"portainer\"]",
                                             nullptr,
                                             nullptr};
constexpr std::array<const char*, 4> kScopes{"\"nginx\"", "102", "\"10.0.0.111\"", "\"pve\""};
// Ports that overlap each other in every way: inside, across, equal.
constexpr std::array<const char*, 10> kPorts{"22",
                                             "23",
                                             "443",
                                             "\"20-30\"",
                                             "\"80-90\"",
                                             "\"440-450\"",
                                             "[22, \"80-90\"]",
                                             "[23, 443]",
                                             "\"6000-6200\"",
                                             nullptr};

// How many rows in ten are drop or reject rows, and how many of those in
// ten are on a port of their own.
struct Mix {
    std::uint32_t denies = 3;
    std::uint32_t own_port = 6;
};

std::string random_row(Random& r, int n, Mix mix) {
    std::string row = "\n[[rule]]\n";
    const char* action = r.below(10) < mix.denies ? (r.below(2) ? "drop" : "reject") : "accept";
    if (r.below(20) == 0) { // IPv6: written as a global row, both sides v6 or any
        row += fmt::format("scope = \"global\"\ndirection = \"in\"\naction = \"{}\"\n", action);
        row += r.below(2) ? "source = \"2001:db8::/64\"\n" : "source = \"2001:db8::5\"\n";
        if (r.below(2)) row += "destination = \"2001:db8:1::/64\"\n";
    } else {
        const bool global = r.below(2) == 0;
        const char* direction = r.below(2) ? "in" : "out";
        row += fmt::format("scope = {}\ndirection = \"{}\"\naction = \"{}\"\n",
                           global ? "\"global\"" : r.pick(kScopes), direction, action);
        // A host row's own side is the scope's host: written as "any".
        const bool own_source = !global && std::string_view{direction} == "out";
        const bool own_destination = !global && std::string_view{direction} == "in";
        if (const char* s = r.pick(kSides); s && !own_source)
            row += fmt::format("source = {}\n", s);
        if (const char* d = r.pick(kSides); d && !own_destination)
            row += fmt::format("destination = {}\n", d);
    }
    const bool deny = std::string_view{action} != "accept";
    // tcp or udp for the narrow drop rows; icmp or any for others in three of eight.
    const std::uint32_t proto = deny && mix.own_port == 10 ? r.below(5) : r.below(8);
    if (proto < 3) {
        row += "protocol = \"tcp\"\n";
    } else if (proto < 5) {
        row += "protocol = \"udp\"\n";
    } else if (proto == 5 && row.find("2001:") == std::string::npos) {
        row += "protocol = \"icmp\"\n";
    }
    // Most drop rows on a port of their own: an accept row then passes more
    // of them than it compares itself with, and stays behind the last it
    // compared (the ones the accept rows' 6000-6200 holds it shares).
    if (proto < 5 && deny && r.below(10) < mix.own_port)
        row += fmt::format("ports = {}\n", 6000 + 2 * n);
    else if (proto < 5)
        if (const char* p = r.pick(kPorts)) row += fmt::format("ports = {}\n", p);
    return row + fmt::format("comment = \"row {}\"\n", n);
}

std::vector<Packet> packets() {
    const char* v4[] = {"10.0.0.13",  "10.0.0.153", "10.0.0.12",   "10.0.0.111",  "10.0.0.50",
                        "10.0.0.200", "192.0.2.5",  "192.0.2.100", "198.51.100.7"};
    const char* v6[] = {"2001:db8::5", "2001:db8::9", "2001:db8:1::1"};
    const std::uint16_t ports[] = {22, 23, 25, 80, 85, 443, 445, 3000, 6002, 6100, 6150, 6400};
    std::vector<Packet> out;
    const auto pairs = [&](const auto& addresses) {
        for (const char* s : addresses)
            for (const char* d : addresses) {
                if (std::string_view{s} == d) continue;
                const Packet base{*IpAddress::parse(s), *IpAddress::parse(d)};
                for (const Protocol protocol : {Protocol::tcp, Protocol::udp})
                    for (const std::uint16_t port : ports) {
                        Packet p = base;
                        p.protocol = protocol;
                        p.port = port;
                        out.push_back(p);
                    }
                Packet icmp = base;
                icmp.protocol = Protocol::icmp;
                out.push_back(icmp);
            }
    };
    pairs(v4);
    pairs(v6);
    return out;
}

ir::Verdict verdict_of(const Row& row, const Packet& p) {
    if (row.action == Action::accept) return ir::Verdict::accept;
    if (row.action == Action::drop) return ir::Verdict::drop;
    if (p.protocol == Protocol::tcp && row.effective()->protocol == Protocol::tcp)
        return ir::Verdict::reject_tcp_reset;
    return ir::Verdict::none; // some reject: which one depends on the row's family
}

bool is_reject(ir::Verdict v) {
    return v == ir::Verdict::reject_tcp_reset || v == ir::Verdict::reject_icmp ||
           v == ir::Verdict::reject_icmpv6 || v == ir::Verdict::reject_icmpx;
}

// The kernel refuses overlapping elements in a concatenated interval set.
void check_disjoint(const ir::Table& table) {
    const auto intersect = [](const ir::Element& a, const ir::Element& b) {
        for (std::size_t i = 0; i < a.key.size(); ++i)
            if (b.key[i].hi < a.key[i].lo || a.key[i].hi < b.key[i].lo) return false;
        return true;
    };
    for (const auto& set : table.sets) {
        if (!set.interval || set.key.size() < 2) continue;
        for (std::size_t i = 0; i < set.elements.size(); ++i)
            for (std::size_t j = i + 1; j < set.elements.size(); ++j)
                if (intersect(set.elements[i], set.elements[j]))
                    FAIL_CHECK(fmt::format("{}: elements {} and {} overlap", set.name, i, j));
    }
}

// Every chain of `target`: the installed chain and the rows agree on every
// `stride`th packet, a different share of them for each chain (every packet
// of every chain takes long under the sanitizers).
void check_target(const RuleSet& rules, const Target& target, const std::vector<Packet>& all,
                  std::size_t stride = 1) {
    const ir::Table table = lower_inet(rules, target);
    check_disjoint(table);
    const std::vector<ChainPlan> plans = place(rules, target);
    REQUIRE(plans.size() == table.chains.size());
    ir::Table unused; // flow_at reads only the rules and the hook
    std::size_t first = 0;
    for (const auto& chain : table.chains) {
        detail::LowerContext ctx{rules, unused, chain.hook, target.self(), chain.name, 0};
        const auto plan = std::find_if(plans.begin(), plans.end(),
                                       [&](const ChainPlan& c) { return c.hook == chain.hook; });
        REQUIRE(plan != plans.end());
        for (std::size_t i = first++ % stride; i < all.size(); i += stride) {
            const Packet& p = all[i];
            Decision want; // decide_at(rules, target, chain.hook, p), placed once
            want.row = first_match(*plan, target.self(), p);
            const fw::test::IrDecision got = fw::test::evaluate(chain, table, p);
            INFO(fmt::format("{}, chain {}, {}", target_name(rules, target), chain.name,
                             to_string(p)));
            INFO((want.row ? fmt::format("rows decide: row {} \"{}\"", row_source(*want.row),
                                         want.row->comment)
                           : std::string{"rows decide: policy"}));
            INFO(fmt::format("chain decides: origin {}", got.origin));
            REQUIRE_FALSE(got.by_policy); // the chain's last rule drops what no row accepts
            if (!want.row) {
                CHECK(got.verdict == ir::Verdict::drop);
                CHECK(got.origin == 0); // "policy: drop what no row accepts"
                continue;
            }
            if (want.row->action != Action::accept) {
                // The very row: its counter and comment are what list and watch show.
                CHECK(got.origin == detail::origin_of(*want.row, rules));
                CHECK(got.comment == want.row->comment);
                const ir::Verdict v = verdict_of(*want.row, p);
                if (v == ir::Verdict::none)
                    CHECK(is_reject(got.verdict));
                else
                    CHECK(got.verdict == v);
                continue;
            }
            // Any accept row that matches may count it (POLICY.md, "Order").
            REQUIRE(got.verdict == ir::Verdict::accept);
            REQUIRE(got.origin >= 1);
            REQUIRE(got.origin <= rules.rows.size());
            const Row& counted = rules.rows[got.origin - 1];
            CHECK(counted.action == Action::accept);
            CHECK(got.comment == counted.comment);
            Flow scratch;
            CHECK(matches(detail::flow_at(counted, ctx, scratch), p));
        }
    }
}

} // namespace

TEST_CASE("lower: random policies with many drop rows keep every verdict of the rows' order") {
    const std::vector<Packet> all = packets();
    Random r{20261205};
    for (int round = 0; round < 8; ++round) {
        // Half the rounds with drop rows that overlap much, half with many
        // narrow ones, which accept rows pass more of than they compare.
        const Mix mix = round % 2 ? Mix{5, 10} : Mix{};
        std::string text;
        const int rows = round % 2 ? 600 : 300; // some 90 or 300 drop or reject rows
        for (int n = 1; n <= rows; ++n) text += random_row(r, n, mix);
        const auto loaded = fw::test::load_rows(text);
        INFO(loaded.messages);
        REQUIRE(loaded.rules);
        const RuleSet& rules = *loaded.rules;
        check_target(rules, Target{}, all, 2);
        for (HostIndex h = 1; h < rules.inventory.hosts.size(); ++h)
            check_target(rules, Target{h}, all, 2);
    }
}

TEST_CASE("lower: interval sets split at their size limit still hold every row's ranges") {
    // 1,500 accept rows with port ranges of one key shape, so one run puts
    // them in more than one interval set. One in ten overlaps the row before
    // it (same source, ranges that cross) and must go to another set, and
    // drop rows in between hold a port of the accept row after them.
    const auto source = [](int n) { return (n % 10 == 1 ? n - 1 : n) % 200; };
    std::string text;
    for (int n = 0; n < 1500; ++n) {
        const int first = 1000 + 7 * n;
        text += fmt::format("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                            "\"accept\"\nsource = \"192.0.2.{}\"\ndestination = \"nginx\"\n"
                            "protocol = \"tcp\"\nports = \"{}-{}\"\ncomment = \"range {}\"\n",
                            source(n), first, first + 9, n);
        if (n % 100 == 50)
            text += fmt::format("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                                "\"drop\"\nsource = \"192.0.2.{}\"\ndestination = \"nginx\"\n"
                                "protocol = \"tcp\"\nports = {}\ncomment = \"hole {}\"\n",
                                source(n + 1), first + 7 + 3, n);
    }
    const auto loaded = fw::test::load_rows(text);
    INFO(loaded.messages);
    REQUIRE(loaded.rules);
    const RuleSet& rules = *loaded.rules;
    const ir::Table table = lower_inet(rules, Target{});
    std::size_t interval_sets = 0;
    for (const auto& set : table.sets)
        if (set.interval && !set.anonymous) {
            ++interval_sets;
            CHECK(set.elements.size() <= 1024);
        }
    CHECK(interval_sets >= 2);
    std::vector<Packet> all;
    for (int n = 0; n < 1500; ++n)
        for (const int offset : {0, 3, 9, 10}) { // 10 is the next row's gap or beyond
            Packet p{*IpAddress::parse(fmt::format("192.0.2.{}", source(n))),
                     *IpAddress::parse("10.0.0.153")};
            p.port = static_cast<std::uint16_t>(1000 + 7 * n + offset);
            all.push_back(p);
        }
    check_target(rules, Target{}, all);
}

TEST_CASE("lower: an accept row that passes more drop rows than it compares stays behind the "
          "first one it shares packets with") {
    // The drop row it shares packets with comes first; the 100 after it are
    // filed under the same host, so the accept row meets them all as
    // candidates and stops comparing long before it reaches the first.
    const auto drop = [](const std::string& source, int port, const std::string& comment) {
        return fmt::format("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"drop\"\n"
                           "source = \"{}\"\ndestination = \"nginx\"\nprotocol = \"tcp\"\n"
                           "ports = {}\ncomment = \"{}\"\n",
                           source, port, comment);
    };
    std::string text = drop("192.0.2.1", 6000, "the old one");
    for (int i = 0; i < 100; ++i) text += drop("192.0.2.2", 7000 + i, fmt::format("newer {}", i));
    text += "\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"accept\"\n"
            "source = \"192.0.2.0/24\"\ndestination = \"nginx\"\nprotocol = \"tcp\"\n"
            "ports = \"6000-6010\"\ncomment = \"the wide accept\"\n";
    const auto loaded = fw::test::load_rows(text);
    INFO(loaded.messages);
    REQUIRE(loaded.rules);
    std::vector<Packet> all;
    for (const char* source : {"192.0.2.1", "192.0.2.2", "192.0.2.3"})
        for (const int port : {6000, 6005, 7000, 7099}) {
            Packet p{*IpAddress::parse(source), *IpAddress::parse("10.0.0.153")};
            p.port = static_cast<std::uint16_t>(port);
            all.push_back(p);
        }
    check_target(*loaded.rules, Target{}, all);
}

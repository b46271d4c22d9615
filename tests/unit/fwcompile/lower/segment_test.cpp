// SPDX-License-Identifier: GPL-3.0-or-later
// Which run of accept rows each row joins (lower/segment.cpp): an accept row
// moves up past every drop or reject row it shares no packet with, however
// many there are, and stays behind the last one it does share packets with.
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/nft_text.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::fw;

namespace {

const ir::Chain& forward_chain(const ir::Table& table) {
    for (const auto& c : table.chains)
        if (c.hook == ir::Hook::forward) return c;
    FAIL("no forward chain");
    return table.chains.front();
}

Address address(const char* text) {
    return Address{*Cidr::parse(text), {}, {}, text};
}

// A row of the given action whose flow the chain matches as written.
Row row(Action action, const char* source, const char* destination, Protocol protocol,
        std::optional<PortRange> ports) {
    Row r;
    r.action = action;
    Flow flow;
    if (source) flow.source.items.push_back(address(source));
    if (destination) flow.destination.items.push_back(address(destination));
    flow.protocol = protocol;
    if (ports) flow.ports.ranges.push_back(*ports);
    r.flow = flow;
    r.scoping = Scoping::as_written;
    return r;
}

// The run each accept row joins, found the plain way: after the last drop
// or reject row before it that some packet could match along with it.
std::vector<std::size_t> reference_runs(const std::vector<Row>& rows) {
    const auto meet = [](const AddressList& x, const AddressList& y) {
        return x.any() || y.any() || x.items[0].cidr.overlaps(y.items[0].cidr);
    };
    const auto share = [&](const Flow& a, const Flow& b) {
        const bool protocols =
            a.protocol == Protocol::any || b.protocol == Protocol::any || a.protocol == b.protocol;
        const bool ports = a.ports.any() || b.ports.any() ||
                           (a.ports.ranges[0].first <= b.ports.ranges[0].last &&
                            b.ports.ranges[0].first <= a.ports.ranges[0].last);
        return protocols && ports && meet(a.source, b.source) && meet(a.destination, b.destination);
    };
    std::vector<std::size_t> runs;
    std::vector<const Flow*> denies;
    for (const Row& r : rows) {
        if (r.action != Action::accept) {
            denies.push_back(r.effective());
            continue;
        }
        std::size_t run = denies.size();
        while (run > 0 && !share(*denies[run - 1], *r.effective())) --run;
        runs.push_back(run);
    }
    return runs;
}

} // namespace

TEST_CASE("lower: an accept row moves up past any number of drop rows it shares no packet with") {
    std::string text;
    for (int i = 1; i <= 100; ++i)
        text += fmt::format("[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                            "\"drop\"\nsource = \"192.0.2.{}\"\ndestination = \"nginx\"\nprotocol "
                            "= \"tcp\"\nports = 23\ncomment = \"no telnet from {}\"\n\n",
                            i, i);
    text += "[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"accept\"\nsource = "
            "\"192.0.2.70\"\ndestination = \"nginx\"\nprotocol = \"tcp\"\nports = \"20-30\"\n"
            "comment = \"a range that holds telnet\"\n\n";
    text += "[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"accept\"\n"
            "destination = \"traefik\"\nprotocol = \"tcp\"\nports = 443\ncomment = \"tls\"\n";
    const auto loaded = fw::test::load_rows(text);
    REQUIRE(loaded.rules);
    const ir::Table table = lower_inet(*loaded.rules, Target{});
    const ir::Chain& forward = forward_chain(table);
    // the scope, conntrack twice and ND; the accept that meets no drop row;
    // drops 1-70; the range behind drop 70; drops 71-100; the log and the drop
    REQUIRE(forward.rules.size() == 4 + 1 + 70 + 1 + 30 + 2);
    CHECK(rule_text(forward.rules[4], table) ==
          "ip daddr 10.0.0.12 tcp dport 443 counter packets 0 bytes 0 accept comment \"tls\"");
    CHECK(rule_text(forward.rules[4 + 70], table).ends_with("\"no telnet from 70\""));
    CHECK(rule_text(forward.rules[4 + 71], table).ends_with("\"a range that holds telnet\""));
    CHECK(rule_text(forward.rules[4 + 72], table).ends_with("\"no telnet from 71\""));
}

TEST_CASE("segment: the indexed search agrees with comparing every drop row before the row") {
    std::uint32_t seed = 20261205;
    const auto next = [&](std::uint32_t n) {
        seed = seed * 1103515245 + 12345;
        return (seed >> 16) % n;
    };
    // Hosts, prefixes holding them and one beside them, and "any".
    const char* addresses[] = {"10.0.0.1",    "10.0.0.2",    "10.0.0.9",    "10.0.0.0/30",
                               "10.0.0.8/29", "10.0.0.0/24", "10.0.1.0/24", nullptr};
    const Protocol protocols[] = {Protocol::any, Protocol::tcp, Protocol::udp};
    const auto loaded = fw::test::load_rows("");
    REQUIRE(loaded.rules);
    ir::Table table;
    for (int round = 0; round < 200; ++round) {
        std::vector<Row> rows;
        for (int i = 0; i < 40; ++i) { // fewer than 64 drop rows: every one is compared
            const auto protocol = protocols[next(3)];
            std::optional<PortRange> ports;
            if (protocol != Protocol::any && next(2) == 0) {
                const auto first = static_cast<std::uint16_t>(20 + next(6));
                ports = PortRange{first, static_cast<std::uint16_t>(first + next(3))};
            }
            rows.push_back(row(next(4) == 0 ? Action::drop : Action::accept, addresses[next(8)],
                               addresses[next(8)], protocol, ports));
        }
        std::vector<const Row*> placed;
        for (const Row& r : rows) placed.push_back(&r);
        detail::LowerContext ctx{*loaded.rules, table, ir::Hook::forward, kHypervisor, "forward"};
        const detail::Segments segments = detail::segment(placed, ctx);
        std::vector<std::size_t> runs(rows.size());
        for (std::size_t k = 0; k < segments.runs.size(); ++k)
            for (const Row* r : segments.runs[k])
                runs[static_cast<std::size_t>(r - rows.data())] = k;
        std::vector<std::size_t> indexed;
        for (std::size_t i = 0; i < rows.size(); ++i)
            if (rows[i].action == Action::accept) indexed.push_back(runs[i]);
        CHECK(indexed == reference_runs(rows));
    }
}

TEST_CASE("segment: past 64 drop rows an accept row stays behind the 65th latest it may meet") {
    // 100 drop rows of telnet, filed under their destination host or, with
    // prefixes on both sides, wide; then an accept row of port 80 to "any"
    // destination. It shares no packet with any of them, but compares only
    // the 64 latest (kHoistLimit) and stays behind the 65th: drop row 36.
    const auto loaded = fw::test::load_rows("");
    REQUIRE(loaded.rules);
    ir::Table table;
    for (const bool wide : {false, true}) {
        CAPTURE(wide);
        std::vector<Row> rows;
        const std::vector<std::string> hosts = [] {
            std::vector<std::string> out;
            for (int i = 1; i <= 100; ++i) out.push_back(fmt::format("10.0.0.{}", i));
            return out;
        }();
        for (const auto& host : hosts)
            rows.push_back(row(Action::drop, wide ? "10.1.0.0/16" : nullptr,
                               wide ? "10.2.0.0/16" : host.c_str(), Protocol::tcp,
                               PortRange{23, 23}));
        rows.push_back(row(Action::accept, "10.1.0.1", nullptr, Protocol::tcp, PortRange{80, 80}));
        std::vector<const Row*> placed;
        for (const Row& r : rows) placed.push_back(&r);
        detail::LowerContext ctx{*loaded.rules, table, ir::Hook::forward, kHypervisor, "forward"};
        const detail::Segments segments = detail::segment(placed, ctx);
        REQUIRE(segments.runs.size() == 101);
        CHECK(segments.runs[36].size() == 1);
        CHECK(segments.runs[36].front() == &rows.back());
    }
}

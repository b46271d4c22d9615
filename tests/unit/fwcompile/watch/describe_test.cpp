// SPDX-License-Identifier: GPL-3.0-or-later
// describe: a dropped packet named by hosts, the rows nearest to it, and a
// suggested [[rule]] that, appended to the file, makes explain accept it.
#include "fwcompile/views/explain.hpp"
#include "fwcompile/watch/describe.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <cstdlib>
#include <ctime>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <netinet/in.h>

using namespace phx;
using namespace phx::fw;
using namespace phx::fw::watch;

namespace {

// kInventory (pve 10.0.0.13, nginx 10.0.0.153, traefik 10.0.0.12, portainer
// 10.0.0.111), then these rows from line 24 (kFirstRowLine).
const std::string kRows = R"(
[[rule]]
scope = "nginx"
direction = "out"
action = "accept"
destination = "traefik"
protocol = "tcp"
ports = 80
comment = "Allow Nginx to proxy to Traefik"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.0/24"
destination = "portainer"
protocol = "tcp"
ports = [9000, 9443]
comment = "Guests reach Portainer"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "portainer"
destination = "nginx"
protocol = "tcp"
ports = 443
comment = "Portainer reaches Nginx over HTTPS"
)";
constexpr int kNginxTraefikLine = fw::test::kFirstRowLine + 1;
constexpr int kPortainerLine = fw::test::kFirstRowLine + 10;
constexpr int kPortainerHttpsLine = fw::test::kFirstRowLine + 20;

const RuleSet& rules() {
    static const RuleSet loaded = [] {
        auto l = fw::test::load_rows(kRows);
        REQUIRE_MESSAGE(l.rules, l.messages);
        return std::move(*l.rules);
    }();
    return loaded;
}

IpAddress ip(const char* text) {
    return *IpAddress::parse(text);
}

DroppedPacket drop(const char* point, const char* source, const char* destination,
                   std::uint8_t protocol, std::uint16_t port) {
    DroppedPacket d;
    d.prefix = fmt::format("phx-fw drop {}: ", point);
    d.packet.source = ip(source);
    d.packet.destination = ip(destination);
    d.packet.protocol = protocol;
    d.packet.source_port = 40000;
    d.packet.destination_port = port;
    if (protocol == IPPROTO_ICMP) d.packet.icmp_type = 8;
    return d;
}

// The rules file with `extra` appended, loaded; the file name stays a temporary one.
RuleSet with_appended(const std::string& extra) {
    auto l = fw::test::load_text(fw::test::kInventory + kRows + "\n" + extra);
    REQUIRE_MESSAGE(l.rules, l.messages);
    return std::move(*l.rules);
}

// Every point of both targets accepts.
void check_accepted_everywhere(const RuleSet& r, const Packet& p) {
    const Explanation e = explain(r, p);
    const std::string text = format_explanation(r, e);
    CHECK_MESSAGE(!e.hypervisor.empty(), text);
    CHECK_MESSAGE(!e.hosts.empty(), text);
    for (const auto* decisions : {&e.hypervisor, &e.hosts})
        for (const auto& d : *decisions) CHECK_MESSAGE(d.accepted, text);
    CHECK_MESSAGE(text.ends_with("verdict: accept\n"), text);
}

} // namespace

TEST_CASE("describe: the enforcement point comes from phx-fw's log prefix, others are not ours") {
    CHECK(enforcement_point("phx-fw drop forward: ") == "forward");
    CHECK(enforcement_point("phx-fw drop nginx input: ") == "nginx input");
    CHECK_FALSE(enforcement_point("phx-fw drop : "));
    CHECK_FALSE(enforcement_point("IN=vmbr0 OUT=vmbr0 "));
    CHECK_FALSE(enforcement_point(""));
    CHECK_FALSE(describe(rules(), drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 81))
                    .value()
                    .flow.empty());
    DroppedPacket foreign = drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 81);
    foreign.prefix = "ssh-guard: ";
    CHECK_FALSE(describe(rules(), foreign));
}

TEST_CASE("describe: traefik to nginx names both hosts, the reverse row and another source's") {
    const auto report =
        describe(rules(), drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 443));
    REQUIRE(report);
    CHECK(report->point == "forward");
    CHECK(report->flow == "10.0.0.12 (traefik) -> 10.0.0.153 (nginx) tcp/443");
    REQUIRE(report->nearest.size() == 2);
    CHECK(report->nearest[0].row->at.line == kNginxTraefikLine);
    CHECK(report->nearest[0].why ==
          "the same two hosts the other way round: nginx -> traefik tcp/80");
    CHECK(report->nearest[1].row->at.line == kPortainerHttpsLine);
    CHECK(report->nearest[1].why == "the same destination and service, from portainer");
}

TEST_CASE("describe: only the reverse row is near traefik to nginx on a port nothing names") {
    const auto report =
        describe(rules(), drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 81));
    REQUIRE(report);
    REQUIRE(report->nearest.size() == 1);
    CHECK(report->nearest[0].row->at.line == kNginxTraefikLine);
}

TEST_CASE("describe: the report is one line, then a block to paste, then an empty line") {
    const auto report =
        describe(rules(), drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 443));
    REQUIRE(report);
    const std::string name = rules().file.substr(rules().file.find_last_of('/') + 1);
    const std::string text = format_report(rules(), *report, "2025-06-01 12:00:00.000");
    CHECK(text == "2025-06-01 12:00:00.000 forward: dropped 10.0.0.12 (traefik) -> 10.0.0.153 "
                  "(nginx) tcp/443; near: " +
                      name + ":" + std::to_string(kNginxTraefikLine) +
                      " \"Allow Nginx to proxy to Traefik\" (the same two hosts the other way "
                      "round: nginx -> traefik tcp/80); " +
                      name + ":" + std::to_string(kPortainerHttpsLine) +
                      " \"Portainer reaches Nginx over HTTPS\" (the same destination and service, "
                      "from portainer)\n"
                      "# to allow it, append to " +
                      name +
                      ":\n"
                      "[[rule]]\n"
                      "scope = \"traefik\"\n"
                      "direction = \"out\"\n"
                      "action = \"accept\"\n"
                      "source = \"traefik\"\n"
                      "destination = \"nginx\"\n"
                      "protocol = \"tcp\"\n"
                      "ports = 443\n"
                      "comment = \"Allow traefik to reach nginx on tcp/443 (suggested by phx-fw "
                      "watch)\"\n\n");
}

TEST_CASE("describe: a row between the same two hosts on other ports is near") {
    const auto report =
        describe(rules(), drop("forward", "10.0.0.12", "10.0.0.111", IPPROTO_TCP, 9001));
    REQUIRE(report);
    CHECK(report->flow == "10.0.0.12 (traefik) -> 10.0.0.111 (portainer) tcp/9001");
    REQUIRE(report->nearest.size() == 1);
    CHECK(report->nearest[0].row->at.line == kPortainerLine);
    CHECK(report->nearest[0].why == "between the same two hosts, for tcp/9000,9443");
}

TEST_CASE("describe: [management] is near a guest's SSH to the hypervisor, with long lists cut") {
    const auto report = describe(rules(), drop("input", "10.0.0.12", "10.0.0.13", IPPROTO_TCP, 22));
    REQUIRE(report);
    CHECK(report->flow == "10.0.0.12 (traefik) -> 10.0.0.13 (pve) tcp/22");
    REQUIRE(report->nearest.size() == 1);
    CHECK(report->nearest[0].row->origin == RowOrigin::management);
    CHECK(report->nearest[0].row->comment == "management: SSH from the management network");
    CHECK(report->nearest[0].why == "the same destination and service, from 10.0.0.0/29, "
                                    "10.0.0.8/30, 10.0.0.14/31, ... (18 entries)");
}

TEST_CASE("describe: an address outside the inventory is shown bare and suggested globally") {
    const auto report =
        describe(rules(), drop("input", "192.168.1.50", "10.0.0.13", IPPROTO_UDP, 161));
    REQUIRE(report);
    CHECK(report->flow == "192.168.1.50 -> 10.0.0.13 (pve) udp/161");
    CHECK(report->nearest.empty());
    CHECK(report->suggestion == "[[rule]]\n"
                                "scope = \"global\"\n"
                                "direction = \"in\"\n"
                                "action = \"accept\"\n"
                                "source = \"192.168.1.50\"\n"
                                "destination = \"pve\"\n"
                                "protocol = \"udp\"\n"
                                "ports = 161\n"
                                "comment = \"Allow 192.168.1.50 to reach pve on udp/161 (suggested "
                                "by phx-fw watch)\"\n");
    CHECK(format_report(rules(), *report, "t")
              .starts_with("t input: dropped 192.168.1.50 -> 10.0.0.13 (pve) udp/161; no row comes "
                           "near it\n"));
}

TEST_CASE("describe: the suggested rule, appended to the file, makes explain accept the packet") {
    const DroppedPacket drops[] = {
        drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 81),   // guest to guest
        drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 443),  // near two rows
        drop("forward", "10.0.0.153", "10.0.0.111", IPPROTO_UDP, 514), // another guest
        drop("forward", "10.0.0.111", "10.0.0.12", IPPROTO_ICMP, 0),   // icmp
        drop("input", "192.168.1.50", "10.0.0.13", IPPROTO_TCP, 25),   // from outside
        drop("output", "10.0.0.13", "10.0.0.153", IPPROTO_TCP, 8080),  // the hypervisor's own
        drop("forward", "10.0.0.12", "10.0.0.77", IPPROTO_TCP, 3306),  // to an unknown address
    };
    for (const auto& d : drops) {
        const auto report = describe(rules(), d);
        REQUIRE(report);
        CAPTURE(report->flow);
        REQUIRE(report->connection);
        const RuleSet before = with_appended("");
        const Explanation dropped = explain(before, *report->connection);
        CHECK(format_explanation(before, dropped).find("verdict: drop by policy") !=
              std::string::npos);
        check_accepted_everywhere(with_appended(report->suggestion), *report->connection);
    }
}

TEST_CASE("describe: a protocol no row can name gets no suggestion, and says why") {
    DroppedPacket gre = drop("forward", "10.0.0.12", "10.0.0.153", 47, 0);
    const auto report = describe(rules(), gre);
    REQUIRE(report);
    CHECK(report->flow == "10.0.0.12 (traefik) -> 10.0.0.153 (nginx) protocol 47");
    CHECK_FALSE(report->connection);
    CHECK(report->suggestion.empty());
    CHECK(format_report(rules(), *report, "t") ==
          "t forward: dropped 10.0.0.12 (traefik) -> 10.0.0.153 (nginx) protocol 47; no row comes "
          "near it\n# no [[rule]] can name it alone: a row names tcp, udp, icmp or icmpv6 (with "
          "ports for tcp and udp), or any protocol\n\n");
}

TEST_CASE("describe: a row that matches the dropped packet comes first, with a hint") {
    // The live table would be older than this file: the row admits tcp/81.
    const RuleSet newer = with_appended(R"([[rule]]
scope = "traefik"
direction = "out"
action = "accept"
destination = "nginx"
protocol = "tcp"
ports = 81
comment = "added since the last apply"
)");
    const auto report =
        describe(newer, drop("forward", "10.0.0.12", "10.0.0.153", IPPROTO_TCP, 81));
    REQUIRE(report);
    REQUIRE_FALSE(report->nearest.empty());
    CHECK(report->nearest[0].row->comment == "added since the last apply");
    CHECK(report->nearest[0].why == "this accept row matches it: are the live tables older than "
                                    "the rules file? see phx-fw diff");
}

TEST_CASE("describe: the local time has milliseconds, and is now without a timestamp") {
    setenv("TZ", "UTC", 1);
    tzset();
    CHECK(local_time_text(Timestamp{1'700'000'000, 250'999}) == "2023-11-14 22:13:20.250");
    CHECK(local_time_text(std::nullopt).size() ==
          std::string_view{"2023-11-14 22:13:20.250"}.size());
}

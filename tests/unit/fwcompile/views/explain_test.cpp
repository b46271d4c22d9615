// SPDX-License-Identifier: GPL-3.0-or-later
// explain: which row decides a flow at each enforcement point, against the
// spec's own rules file.
#include "fwcompile/views/explain.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;

namespace {

const RuleSet& spec() {
    static const RuleSet rules = [] {
        Diagnostics diag;
        auto loaded = load_rules(PHX_SOURCE_DIR "/rules/phoenix.toml", diag);
        REQUIRE(loaded);
        return std::move(*loaded);
    }();
    return rules;
}

std::string explain_text(const char* src, const char* dst, const char* proto, const char* port) {
    Diagnostics diag;
    const auto packet = parse_packet(src, dst, proto, port, spec().inventory, diag);
    REQUIRE_MESSAGE(packet, diag.to_string());
    return format_explanation(spec(), explain(spec(), *packet));
}

const std::string kTrust = "  (a guest's own chains trust source addresses; only the hypervisor "
                           "target binds them to ports)\n";

std::string line_of(const char* comment) {
    for (const auto& row : spec().rows)
        if (row.comment == comment) return SourcePos{row.at.file, row.at.line, 0}.to_string();
    FAIL("no row says " << comment);
    return {};
}

} // namespace

TEST_CASE("explain: nginx to traefik on tcp/80 is admitted by the Nginx->Traefik row everywhere") {
    const std::string row = line_of("Allow Nginx to proxy to Traefik");
    CHECK(explain_text("10.0.0.153", "10.0.0.12", "tcp", "80") ==
          "nginx (10.0.0.153) -> traefik (10.0.0.12) tcp/80, a new connection\n"
          "hypervisor target (phx-fw apply):\n"
          "  forward: accept by " +
              row +
              " \"Allow Nginx to proxy to Traefik\"\n"
              "host target (phx-fw apply --host on every host):\n"
              "  nginx output: accept by " +
              row +
              " \"Allow Nginx to proxy to Traefik\"\n"
              "  traefik input: accept by " +
              row + " \"Allow Nginx to proxy to Traefik\"\n" + kTrust + "verdict: accept\n");
}

TEST_CASE("explain: granite-embedding to ollama on tcp/11434 is dropped by policy") {
    CHECK(explain_text("10.0.0.141", "10.0.0.155", "tcp", "11434") ==
          "granite-embedding (10.0.0.141) -> ollama (10.0.0.155) tcp/11434, a new connection\n"
          "hypervisor target (phx-fw apply):\n"
          "  forward: drop by policy (no row matches)\n"
          "host target (phx-fw apply --host on every host):\n"
          "  granite-embedding output: drop by policy (no row matches)\n"
          "  ollama input: drop by policy (no row matches)\n" +
              kTrust + "verdict: drop by policy\n");
}

TEST_CASE("explain: names, ids and addresses outside the inventory are all accepted") {
    const std::string dns = line_of("Allow internal guests to query DNS on Host");
    CHECK(explain_text("1002", "hypervisor", "udp", "53") ==
          "portainer-agent (10.0.0.102) -> hypervisor (10.0.0.13) udp/53, a new connection\n"
          "hypervisor target (phx-fw apply):\n"
          "  input: accept by " +
              dns +
              " \"Allow internal guests to query DNS on Host\"\n"
              "host target (phx-fw apply --host on every host):\n"
              "  portainer-agent output: accept by " +
              dns +
              " \"Allow internal guests to query DNS on Host\"\n"
              "  hypervisor input: accept by " +
              dns + " \"Allow internal guests to query DNS on Host\"\n" + kTrust +
              "verdict: accept\n");
}

TEST_CASE("explain: the LAN reaches the hypervisor's management services, a guest does not") {
    for (const char* port : {"22", "8006", "5900", "3128"}) {
        const std::string lan = explain_text("10.0.0.50", "10.0.0.13", "tcp", port);
        CHECK(lan.rfind("10.0.0.50 (not in the inventory) -> hypervisor (10.0.0.13) tcp/", 0) == 0);
        CHECK_MESSAGE(lan.find("  input: accept by [management] defaults \"management: ") !=
                          std::string::npos,
                      lan);
        CHECK(lan.ends_with("verdict: accept\n"));
        const std::string guest = explain_text("nginx", "hypervisor", "tcp", port);
        CHECK_MESSAGE(guest.find("  input: drop by policy") != std::string::npos, guest);
    }
    const std::string cluster = explain_text("10.0.0.50", "10.0.0.13", "udp", "5405");
    CHECK(cluster.find("  input: drop by policy") != std::string::npos); // cluster = false
}

TEST_CASE("explain: a flow that touches neither the bridge nor the hypervisor is not ours") {
    const std::string out = explain_text("172.17.0.2", "8.8.8.8", "tcp", "53");
    CHECK_MESSAGE(out.find("  not ours: passes (neither end is on vmbr0") != std::string::npos,
                  out);
}

TEST_CASE(
    "explain: the hypervisor may open anything, but its 'out' row opens nothing between guests") {
    CHECK(explain_text("hypervisor", "ollama", "tcp", "22").find(kTrust + "verdict: accept\n") !=
          std::string::npos);
    CHECK(explain_text("nginx", "ollama", "tcp", "22").find("verdict: drop by policy\n") !=
          std::string::npos);
}

TEST_CASE("explain: bad arguments are reported by name") {
    Diagnostics diag;
    CHECK_FALSE(parse_packet("ngnix", "10.0.0.12", "tpc", "80", spec().inventory, diag));
    CHECK(diag.to_string() ==
          "SRC: error: 'ngnix' is neither a host of the inventory nor an IP address (did you mean "
          "'nginx'?)\n"
          "PROTO: error: 'tpc' is not tcp, udp, icmp or icmpv6 (did you mean 'tcp'?)\n");
    Diagnostics ports;
    CHECK_FALSE(parse_packet("nginx", "traefik", "tcp", "http", spec().inventory, ports));
    CHECK(ports.to_string() == "PORT: error: 'http' is not a port (0-65535); tcp needs one\n");
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The linter: each warning with its exact text and position.
#include "unit/fwcompile/fw_test_util.hpp"

#include <doctest/doctest.h>

using namespace phx::fw;
using phx::fw::test::load_rows;

namespace {

std::string rule(const std::string& scope, const std::string& direction, const std::string& action,
                 const std::string& rest) {
    return "\n[[rule]]\nscope = \"" + scope + "\"\ndirection = \"" + direction + "\"\naction = \"" +
           action + "\"\n" + rest + "comment = \"c\"\n";
}

} // namespace

TEST_CASE("lint: the spec's rules file has one redundant row and nothing else") {
    phx::Diagnostics diag;
    const auto rules = load_rules(PHX_SOURCE_DIR "/rules/phoenix.toml", diag);
    REQUIRE(rules);
    lint(*rules, diag);
    // The CA's ACME row repeats what the global "ANY -> Nginx tcp 80" row
    // already admits; the warning says so and is not an error.
    REQUIRE(diag.all().size() == 1);
    CHECK_FALSE(diag.failed());
    CHECK(diag.all()[0].message.rfind(
              "redundant: the row at " PHX_SOURCE_DIR "/rules/phoenix.toml:", 0) == 0);
}

TEST_CASE("lint: a guest's out row from another host, or a global out row not from the hypervisor, "
          "never matches") {
    const auto loaded =
        load_rows(rule("nginx", "out", "accept", "source = \"traefik\"\n") +
                      rule("global", "out", "accept", "source = \"nginx\"\n") +
                      rule("101", "in", "accept", "destination = \"10.0.0.0/25\"\n"),
                  true);
    CHECK(loaded.messages == "rules.toml:26:9: warning: can never match: an \"out\" row of nginx "
                             "needs nginx (10.0.0.153) in its source\n"
                             "rules.toml:33:9: warning: can never match: a global \"out\" row "
                             "(traffic the hypervisor sends) needs "
                             "pve (10.0.0.13) in its source\n"
                             "rules.toml:40:9: warning: can never match: an \"in\" row of nginx "
                             "needs nginx (10.0.0.153) in its "
                             "destination\n");
    REQUIRE(loaded.rules);
    for (const auto& r : loaded.rules->file_rows()) CHECK_FALSE(r.effective());
}

TEST_CASE("lint: duplicates, redundant rows and shadowed rows point at the earlier row") {
    const std::string http = "destination = \"nginx\"\nprotocol = \"tcp\"\nports = 80\n";
    const auto loaded = load_rows(
        rule("global", "in", "accept", http) + rule("global", "in", "accept", http) +
            rule("traefik", "out", "accept", http) + rule("global", "in", "drop", http) +
            rule("global", "in", "accept", "destination = \"nginx\"\nprotocol = \"udp\"\n"),
        true);
    CHECK(loaded.messages ==
          "rules.toml:34:1: warning: duplicate of the row at rules.toml:25:1\n"
          "rules.toml:43:1: warning: redundant: the row at rules.toml:25:1 (accept) already "
          "matches all of its traffic\n"
          "rules.toml:52:1: warning: shadowed by the row at rules.toml:25:1 (accept), which "
          "matches all of its traffic first: this row never decides anything\n");
}

TEST_CASE("lint: a narrower earlier row does not shadow a wider later one") {
    const auto loaded = load_rows(
        rule("global", "in", "drop", "source = \"10.0.0.0/25\"\ndestination = \"nginx\"\n") +
            rule("global", "in", "accept", "source = \"10.0.0.0/24\"\ndestination = \"nginx\"\n"),
        true);
    CHECK(loaded.messages.empty());
}

TEST_CASE("lint: overlapping list entries and addresses that belong to no host") {
    const auto loaded =
        load_rows(rule("global", "in", "accept",
                       "source = [\"10.0.0.0/24\", \"10.0.0.77\", \"192.168.1.1\"]\nprotocol = "
                       "\"tcp\"\nports = [80, \"79-81\"]\n"),
                  true);
    CHECK(loaded.messages ==
          "rules.toml:29:26: warning: '10.0.0.77' overlaps '10.0.0.0/24' earlier in this list\n"
          "rules.toml:29:26: warning: 10.0.0.77 is in the network 10.0.0.0/24 but no host in the "
          "inventory has it\n"
          "rules.toml:31:14: warning: port 79-81 overlaps port 80 earlier in this list\n");
}

TEST_CASE("lint: an earlier row is found whether it holds the later one by a wider prefix or by "
          "'any', and the first of several is named") {
    const auto loaded = load_rows(
        rule("global", "in", "accept",
             "source = \"10.0.0.0/24\"\ndestination = \"10.0.0.0/24\"\n") +
            rule("global", "in", "accept", "source = \"traefik\"\nprotocol = \"udp\"\n") +
            rule("global", "in", "drop", "source = \"10.0.0.0/16\"\ndestination = \"nginx\"\n") +
            rule("global", "in", "accept",
                 "source = \"portainer\"\ndestination = \"nginx\"\nprotocol = \"tcp\"\nports = "
                 "443\n") +
            rule("global", "in", "accept",
                 "source = \"traefik\"\ndestination = [\"192.168.1.1\", \"192.168.1.2\"]\n"
                 "protocol = \"udp\"\nports = 53\n") +
            rule("global", "in", "accept", "source = \"fd00::1\"\nprotocol = \"tcp\"\n"),
        true);
    // Row 4 is held by row 1 (its /24 holds both ends) and by row 3 (a drop
    // from the /16 to nginx): the first is named. Row 5 is held by row 2,
    // whose destination is "any"; row 6, IPv6, by nothing.
    CHECK(loaded.messages ==
          "rules.toml:49:1: warning: redundant: the row at rules.toml:25:1 (accept) already "
          "matches all of its traffic\n"
          "rules.toml:59:1: warning: redundant: the row at rules.toml:33:1 (accept) already "
          "matches all of its traffic\n");
}

TEST_CASE("lint: the side a scope pins is linted as written, and the scoped flow holds the host") {
    const auto loaded = load_rows(
        rule("nginx", "in", "accept", "destination = [\"nginx\", \"10.0.0.0/24\"]\n"), true);
    // Scoping narrows the destination to nginx; the list as written still
    // has an entry that overlaps another.
    CHECK(loaded.messages ==
          "rules.toml:29:25: warning: '10.0.0.0/24' overlaps 'nginx' earlier in this list\n");
    REQUIRE(loaded.rules);
    const Row& row = loaded.rules->file_rows()[0];
    REQUIRE(row.effective());
    REQUIRE(row.effective()->destination.items.size() == 1);
    CHECK(row.effective()->destination.items[0].text == "nginx");
    CHECK_FALSE(row.effective()->destination.items[0].from_scope);
    REQUIRE(row.written_destination().size() == 2);
    CHECK(row.written_destination()[1].text == "10.0.0.0/24");
    CHECK(row.written_source().empty());
}

TEST_CASE("lint: a scoped row whose other side is of the other address family never matches, "
          "and keeps its flow as written") {
    const auto loaded = load_rows(rule("nginx", "in", "accept", "source = \"fd00::1\"\n"), true);
    CHECK(loaded.messages ==
          "rules.toml:26:9: warning: can never match: nginx (10.0.0.153) is the destination, but "
          "the other end of the flow is of the other address family\n");
    REQUIRE(loaded.rules);
    const Row& row = loaded.rules->file_rows()[0];
    CHECK_FALSE(row.effective());
    CHECK(row.written_destination().empty());
    REQUIRE(row.written_source().size() == 1);
    CHECK(row.written_source()[0].text == "fd00::1");
}

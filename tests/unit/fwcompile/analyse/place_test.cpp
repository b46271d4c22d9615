// SPDX-License-Identifier: GPL-3.0-or-later
// Scopes and placement: what each kind of row means and which enforcement
// points its flow crosses, for both targets.
#include "fwcompile/analyse/place.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;
using phx::fw::test::load_rows;

namespace {

std::string rule(const std::string& scope, const std::string& direction, const std::string& rest) {
    return "\n[[rule]]\nscope = \"" + scope + "\"\ndirection = \"" + direction +
           "\"\naction = \"accept\"\n" + rest + "comment = \"c\"\n";
}

// Where the rules' only row is placed: the hooks of the target that hold it.
// The hooks the file's one [[rule]] is placed on ([management]'s rows aside).
std::vector<ir::Hook> hooks_of_only_row(const RuleSet& rules, const Target& target) {
    std::vector<ir::Hook> hooks;
    for (const auto& plan : place(rules, target))
        for (const Row* row : plan.rows)
            if (row->origin == RowOrigin::rule) {
                hooks.push_back(plan.hook);
                break;
            }
    return hooks;
}

const std::vector<ir::Hook> kNone{};
const std::vector<ir::Hook> kInput{ir::Hook::input};
const std::vector<ir::Hook> kForward{ir::Hook::forward};
const std::vector<ir::Hook> kOutput{ir::Hook::output};

} // namespace

TEST_CASE("scope: a guest's out row is traffic from that guest, its in row traffic to it") {
    const auto loaded = load_rows(rule("nginx", "out", "destination = \"traefik\"\n") +
                                  rule("traefik", "in", "source = \"10.0.0.0/24\"\n"));
    REQUIRE(loaded.rules);
    const Flow& out = *loaded.rules->file_rows()[0].effective();
    REQUIRE(out.source.items.size() == 1);
    CHECK(out.source.items[0].cidr.to_string() == "10.0.0.153");
    CHECK(out.source.items[0].from_scope); // written as "any"
    CHECK(out.destination.items[0].cidr.to_string() == "10.0.0.12");
    const Flow& in = *loaded.rules->file_rows()[1].effective();
    CHECK(in.source.items[0].cidr.to_string() == "10.0.0.0/24");
    CHECK(in.destination.items[0].cidr.to_string() == "10.0.0.12");
}

TEST_CASE(
    "place: the hypervisor's 'all outbound' row opens its output and nothing between guests") {
    const auto loaded = load_rows(rule("global", "out", ""));
    REQUIRE(loaded.rules);
    CHECK(hooks_of_only_row(*loaded.rules, Target{}) == kOutput);
    // As seen by a guest filtering itself, the same flow arrives at its input.
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{1}}) == kInput);
}

TEST_CASE("place: a flow between two guests crosses forward, the sender's output and the "
          "receiver's input") {
    const auto loaded = load_rows(
        rule("nginx", "out", "destination = \"traefik\"\nprotocol = \"tcp\"\nports = 80\n"));
    REQUIRE(loaded.rules);
    CHECK(hooks_of_only_row(*loaded.rules, Target{}) == kForward);
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{1}}) == kOutput); // nginx
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{2}}) == kInput);  // traefik
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{3}}) == kNone);   // portainer
}

TEST_CASE("place: guest DNS to the hypervisor is its input, and every guest's output") {
    const auto loaded = load_rows(
        rule("global", "in",
             "source = \"10.0.0.0/24\"\ndestination = \"pve\"\nprotocol = \"udp\"\nports = 53\n"));
    REQUIRE(loaded.rules);
    CHECK(hooks_of_only_row(*loaded.rules, Target{}) == kInput);
    for (HostIndex guest = 1; guest <= 3; ++guest)
        CHECK(hooks_of_only_row(*loaded.rules, Target{guest}) == kOutput);
}

TEST_CASE("place: 'any' to a guest crosses forward, the hypervisor's output, and every other "
          "host's output") {
    const auto loaded = load_rows(
        rule("global", "in", "destination = \"nginx\"\nprotocol = \"tcp\"\nports = 443\n"));
    REQUIRE(loaded.rules);
    const std::vector<ir::Hook> forward_and_output{ir::Hook::forward, ir::Hook::output};
    CHECK(hooks_of_only_row(*loaded.rules, Target{}) == forward_and_output);
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{1}}) ==
          kInput); // nginx sending to itself is loopback
    CHECK(hooks_of_only_row(*loaded.rules, Target{HostIndex{2}}) == kOutput);
}

TEST_CASE(
    "place: rows keep their written order within a chain, and never-matching rows are left out") {
    const auto loaded = load_rows(rule("global", "in", "destination = \"nginx\"\n") +
                                  rule("nginx", "out", "source = \"traefik\"\n") +
                                  rule("traefik", "out", "destination = \"nginx\"\n"));
    REQUIRE(loaded.rules);
    const auto plans = place(*loaded.rules, Target{});
    const auto forward = std::find_if(plans.begin(), plans.end(),
                                      [](const auto& p) { return p.hook == ir::Hook::forward; });
    REQUIRE(forward != plans.end());
    REQUIRE(forward->rows.size() == 2);
    CHECK(forward->rows[0] == &loaded.rules->file_rows()[0]);
    CHECK(forward->rows[1] == &loaded.rules->file_rows()[2]);
}

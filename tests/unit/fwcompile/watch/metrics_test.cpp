// SPDX-License-Identifier: GPL-3.0-or-later
// metrics: a hand-made live ruleset with counters, printed in the Prometheus
// text format exactly.
#include "fwcompile/watch/metrics.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::fw;
using namespace phx::fw::watch;

namespace {

ir::Rule rule(std::string comment, ir::Verdict verdict, ir::Counter counts, bool counter = true) {
    ir::Rule r;
    r.comment = std::move(comment);
    r.verdict = verdict;
    r.counts = counts;
    r.counter = counter;
    return r;
}

ir::Element element(std::string_view comment, ir::Counter counts) {
    ir::Element e;
    e.comment = comment; // the callers' literals
    e.counter = counts;
    return e;
}

ir::Table inet_table() {
    ir::Table table;
    ir::Set set;
    set.name = "input_1";
    set.counter = true;
    set.elements = {element("management: SSH", {3, 300}), element("DNS from guests", {1, 100}),
                    element("management: SSH", {2, 200})};
    table.sets.push_back(set);
    ir::Chain input;
    input.name = "input";
    input.rules.push_back(rule("replies", ir::Verdict::accept, {10, 1000}));
    ir::Rule lookup = rule("[management] and 1 accept rows", ir::Verdict::accept, {6, 600});
    lookup.matches.push_back(ir::SetMatch{{ir::Field::ip_saddr}, "input_1"});
    input.rules.push_back(lookup);
    ir::Rule log = rule("", ir::Verdict::none, {}, false);
    log.log = ir::Log{"phx-fw drop input: ", 100};
    input.rules.push_back(log);
    input.rules.push_back(rule("policy: drop what no row accepts", ir::Verdict::drop, {4, 240}));
    ir::Chain forward;
    forward.name = "forward";
    forward.hook = ir::Hook::forward;
    forward.rules.push_back(
        rule("not through vmbr0: not phx-fw's", ir::Verdict::accept, {}, false));
    forward.rules.push_back(
        rule("a \"quoted\" C:\\path\nand a new line", ir::Verdict::accept, {1, 60}));
    forward.rules.push_back(rule("DNS from guests", ir::Verdict::accept, {5, 500}));
    forward.rules.push_back(rule("policy: drop what no row accepts", ir::Verdict::drop, {7, 420}));
    table.chains = {input, forward};
    return table;
}

ir::Table bridge_table() {
    ir::Table table;
    table.family = ir::Family::bridge;
    ir::Chain prerouting;
    prerouting.name = "prerouting";
    prerouting.hook = ir::Hook::prerouting;
    prerouting.policy_drop = false;
    prerouting.rules.push_back(rule("a port that is no guest's", ir::Verdict::accept, {}, false));
    prerouting.rules.push_back(
        rule("a guest sending from an address that is not its own", ir::Verdict::drop, {2, 120}));
    prerouting.rules.push_back(
        rule("router advertisements from a guest", ir::Verdict::drop, {0, 0}));
    table.chains = {prerouting};
    return table;
}

} // namespace

TEST_CASE("metrics: label values escape backslash, double quote and newline") {
    CHECK(escape_label_value("plain") == "plain");
    CHECK(escape_label_value("a \"b\" c\\d\ne") == "a \\\"b\\\" c\\\\d\\ne");
}

TEST_CASE("metrics: rules, set elements by comment, policy drops and binding drops, exactly") {
    ir::Ruleset live;
    live.tables = {inet_table(), bridge_table()};
    CHECK(
        prometheus_text(live) ==
        "# HELP phx_fw_rule_packets_total packets matched by each rule of table inet phx, by "
        "comment (a set lookup: by element comment, the row's).\n"
        "# TYPE phx_fw_rule_packets_total counter\n"
        "phx_fw_rule_packets_total{table=\"inet phx\",chain=\"input\",comment=\"replies\"} 10\n"
        "phx_fw_rule_packets_total{table=\"inet phx\",chain=\"input\",comment=\"management: SSH\"} "
        "5\n"
        "phx_fw_rule_packets_total{table=\"inet phx\",chain=\"input\",comment=\"DNS from guests\"} "
        "1\n"
        "phx_fw_rule_packets_total{table=\"inet phx\",chain=\"forward\",comment=\"a \\\"quoted\\\" "
        "C:\\\\path\\nand a new line\"} 1\n"
        "phx_fw_rule_packets_total{table=\"inet phx\",chain=\"forward\",comment=\"DNS from "
        "guests\"} 5\n"
        "# HELP phx_fw_rule_bytes_total bytes matched by each rule of table inet phx, by comment "
        "(a set lookup: by element comment, the row's).\n"
        "# TYPE phx_fw_rule_bytes_total counter\n"
        "phx_fw_rule_bytes_total{table=\"inet phx\",chain=\"input\",comment=\"replies\"} 1000\n"
        "phx_fw_rule_bytes_total{table=\"inet phx\",chain=\"input\",comment=\"management: SSH\"} "
        "500\n"
        "phx_fw_rule_bytes_total{table=\"inet phx\",chain=\"input\",comment=\"DNS from guests\"} "
        "100\n"
        "phx_fw_rule_bytes_total{table=\"inet phx\",chain=\"forward\",comment=\"a \\\"quoted\\\" "
        "C:\\\\path\\nand a new line\"} 60\n"
        "phx_fw_rule_bytes_total{table=\"inet phx\",chain=\"forward\",comment=\"DNS from guests\"} "
        "500\n"
        "# HELP phx_fw_policy_drop_packets_total packets that no row accepted, dropped by each "
        "chain's policy rule.\n"
        "# TYPE phx_fw_policy_drop_packets_total counter\n"
        "phx_fw_policy_drop_packets_total{chain=\"input\"} 4\n"
        "phx_fw_policy_drop_packets_total{chain=\"forward\"} 7\n"
        "# HELP phx_fw_policy_drop_bytes_total bytes that no row accepted, dropped by each "
        "chain's policy rule.\n"
        "# TYPE phx_fw_policy_drop_bytes_total counter\n"
        "phx_fw_policy_drop_bytes_total{chain=\"input\"} 240\n"
        "phx_fw_policy_drop_bytes_total{chain=\"forward\"} 420\n"
        "# HELP phx_fw_binding_drop_packets_total packets dropped by the address binding checks "
        "of table bridge phx, by rule comment.\n"
        "# TYPE phx_fw_binding_drop_packets_total counter\n"
        "phx_fw_binding_drop_packets_total{comment=\"a guest sending from an address that is not "
        "its own\"} 2\n"
        "phx_fw_binding_drop_packets_total{comment=\"router advertisements from a guest\"} 0\n"
        "# HELP phx_fw_binding_drop_bytes_total bytes dropped by the address binding checks of "
        "table bridge phx, by rule comment.\n"
        "# TYPE phx_fw_binding_drop_bytes_total counter\n"
        "phx_fw_binding_drop_bytes_total{comment=\"a guest sending from an address that is not "
        "its own\"} 120\n"
        "phx_fw_binding_drop_bytes_total{comment=\"router advertisements from a guest\"} 0\n");
}

TEST_CASE("metrics: a host target's table alone has no binding families") {
    ir::Ruleset live;
    live.tables = {inet_table()};
    const std::string text = prometheus_text(live);
    CHECK(text.find("phx_fw_policy_drop_packets_total{chain=\"forward\"} 7\n") !=
          std::string::npos);
    CHECK(text.find("binding") == std::string::npos);
}

# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw graph through the real binary. The graph of the spec's rules file
must draw exactly the spec's flows (spec_flows.py, written by hand) and
render with Graphviz to the committed docs/policy.svg. No privileges needed."""

import os
import re
import subprocess
import unittest

from fwtool import PHX_FW, SOURCE, SPEC_RULES, phx_fw, require_binaries
from spec_flows import ANY, GUESTS, HYPERVISOR, NETWORK, SPEC_FLOWS

POLICY_SVG = os.path.join(SOURCE, "docs", "policy.svg")
EDGE = re.compile(r'^  "(?P<src>[^"]+)" -> "(?P<dst>[^"]+)" \[label="(?P<label>[^"]*)", .*style=(?P<style>\w+)',
                  re.M)
NAMES = dict({address: name for name, address in GUESTS.items()}, **{HYPERVISOR: "hypervisor"})


def node_of(side):
    """The graph's node for one side of a spec flow."""
    if side is ANY:
        return "any"
    if side is NETWORK:
        return f"net:{NETWORK}"
    (address,) = side
    return "host:" + NAMES[address]


def spec_edges():
    """{(from, to, "tcp/80")} the spec admits, as the graph should label them."""
    out = set()
    for flow in SPEC_FLOWS:
        if flow.why == "[management] defaults":
            continue  # the same on every host, not drawn: the picture is of the rules file
        label = "any protocol" if flow.proto == "any" else f"{flow.proto}/{flow.port}"
        out.add((node_of(flow.sources), node_of(flow.destinations), label))
    return out


class GraphTest(unittest.TestCase):
    def setUp(self):
        require_binaries(PHX_FW)

    def graph(self):
        result = phx_fw(None, "graph", "--rules", SPEC_RULES)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def render(self, dot):
        result = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "", "dot warned about the graph")
        return result.stdout

    def test_the_graph_of_the_spec_draws_exactly_the_spec_flows(self):
        drawn = set()
        for edge in EDGE.finditer(self.graph()):
            self.assertEqual(edge["style"], "solid", "the spec has only accept rows")
            for label in edge["label"].split("\\n"):
                drawn.add((edge["src"], edge["dst"], label))
        self.assertEqual(drawn, spec_edges())

    def test_every_host_is_a_node_with_its_name_id_and_address(self):
        dot = self.graph()
        self.assertIn('"host:hypervisor" [label="hypervisor\\nProxmox host\\n10.0.0.13"', dot)
        self.assertIn('"host:traefik" [label="traefik\\nLXC 102\\n10.0.0.12"', dot)
        self.assertIn('"host:portainer-agent" [label="portainer-agent\\nVM 1002\\n10.0.0.102"', dot)
        for name in GUESTS:
            self.assertIn(f'"host:{name}" [label="{name}\\n', dot)

    def test_dot_renders_it_and_the_output_is_stable(self):
        dot = self.graph()
        self.assertEqual(dot, self.graph())
        self.assertIn("<svg", self.render(dot))

    def test_docs_policy_svg_is_the_current_rendering(self):
        with open(POLICY_SVG, encoding="utf-8") as f:
            committed = f.read()
        self.assertEqual(committed, self.render(self.graph()),
                         f"{POLICY_SVG} is stale; regenerate it from the source directory with\n"
                         f"  {PHX_FW} graph --rules rules/phoenix.toml | dot -Tsvg > docs/policy.svg")


class HelpTest(unittest.TestCase):
    """The new commands' --help, which help2man turns into the man page."""

    def help(self, *command):
        result = phx_fw(None, *command, "--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_the_new_commands_are_listed_and_explained(self):
        top = self.help()
        for command in ("confirm", "graph"):
            self.assertRegex(top, rf"\n  {command} +\S")
        self.assertNotRegex(top, r"\n  zone +\S")
        self.assertIn("apply --confirm: 0 confirmed, 1 nothing applied (or the rollback failed), 3 rolled back", top)
        self.assertIn("PHX_FW_RUNTIME_DIR", top)
        apply = self.help("apply")
        self.assertIn("-c,--confirm SECONDS", apply)
        self.assertIn("A detached keeper process owns the timer", apply)
        self.assertIn("no apply is waiting", self.help("confirm"))
        self.assertIn("dot -Tsvg", self.help("graph"))

    def test_the_removed_zone_command_says_where_reverse_names_come_from(self):
        result = phx_fw(None, "zone", "--rules", SPEC_RULES, "--output", "/nonexistent/zone")
        self.assertEqual(result.returncode, 2)
        self.assertIn("phx-dnsd now serves every host's name and the reverse zones from the rules file itself",
                      result.stderr)
        self.assertFalse(os.path.exists("/nonexistent/zone"))


if __name__ == "__main__":
    unittest.main()

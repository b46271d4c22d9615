# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw graph and phx-fw zone through the real binaries. The graph of the
spec's rules file must draw exactly the spec's flows (spec_flows.py, written
by hand) and render with Graphviz to the committed docs/policy.svg; the
reverse zone must pass `phx-dnsd --check` and, served by phx-dnsd, answer
`dig -x` with each host's name. No privileges needed."""

import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

from fwtool import PHX_DNSD, PHX_FW, SOURCE, SPEC_RULES, phx_fw, require_binaries
from spec_flows import ANY, GUESTS, HYPERVISOR, NETWORK, SPEC_FLOWS

sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from phxdns import Dnsd  # noqa: E402  (phx-dnsd on a free loopback port)

POLICY_SVG = os.path.join(SOURCE, "docs", "policy.svg")
REVERSE = "0.0.10.in-addr.arpa"
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


def rules_copy(test, old, new):
    with open(SPEC_RULES, encoding="utf-8") as f:
        text = f.read()
    test.assertIn(old, text)
    fd, path = tempfile.mkstemp(suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(text.replace(old, new, 1))
    test.addCleanup(os.remove, path)
    return path


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


class ZoneTest(unittest.TestCase):
    def setUp(self):
        require_binaries(PHX_FW, PHX_DNSD)
        self.dir = tempfile.mkdtemp(prefix="phx-fw-zone-")
        self.addCleanup(shutil.rmtree, self.dir)
        self.file = os.path.join(self.dir, f"{REVERSE}.zone")

    def write_zone(self, rules=SPEC_RULES, *args):
        result = phx_fw(None, "zone", "--rules", rules, "--output", self.file, *args)
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def serial(self, text):
        return int(re.search(r"^\s+(\d+) ; serial", text, re.M).group(1))

    def test_the_zone_passes_phx_dnsd_check(self):
        result = self.write_zone()
        self.assertRegex(result.stdout, rf"wrote zone {REVERSE}\. to {re.escape(self.file)}: 10 PTR records, serial \d+")
        check = subprocess.run([PHX_DNSD, "--check", "--zone", f"{REVERSE}={self.file}", "--listen", "127.0.0.1:53"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertIn(f"zone {REVERSE}.: 12 records", check.stdout)

    def test_dig_x_answers_every_host_name_from_phx_dnsd(self):
        self.write_zone()
        with Dnsd(zones=(f"{REVERSE}={self.file}",)) as dnsd:
            def dig_x(address):
                return subprocess.run(["dig", "-x", address, "@127.0.0.1", "-p", str(dnsd.port), "+short"],
                                      capture_output=True, text=True, timeout=30).stdout.strip()

            self.assertEqual(dig_x("10.0.0.12"), "traefik.internal.thinkheads.ai.")
            for address, name in NAMES.items():
                self.assertEqual(dig_x(address), f"{name}.internal.thinkheads.ai.")
            self.assertEqual(dig_x("10.0.0.50"), "")  # no host there: NXDOMAIN

    def test_domain_and_nameserver_can_be_chosen(self):
        self.write_zone(SPEC_RULES, "--domain", "lab.example", "--nameserver", "ns.example.net")
        with open(self.file, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("IN  SOA  ns.example.net. hostmaster.lab.example. (", text)
        self.assertRegex(text, r"\n12\s+IN  PTR  traefik\.lab\.example\.")

    def test_output_replaces_the_file_atomically_and_matches_stdout(self):
        with open(self.file, "w", encoding="utf-8") as f:
            f.write("old contents\n")
        before = os.stat(self.file).st_ino
        self.write_zone()
        self.assertNotEqual(os.stat(self.file).st_ino, before, "not a rename: a reader could see half a file")
        self.assertEqual(stat.S_IMODE(os.stat(self.file).st_mode), 0o644)
        self.assertEqual(os.listdir(self.dir), [os.path.basename(self.file)], "a temporary file was left behind")
        with open(self.file, encoding="utf-8") as f:
            self.assertEqual(f.read(), phx_fw(None, "zone", "--rules", SPEC_RULES, check=True).stdout)
        missing = phx_fw(None, "zone", "--rules", SPEC_RULES, "--output", os.path.join(self.dir, "no", "zone"))
        self.assertEqual(missing.returncode, 1)
        self.assertIn("cannot create a temporary file next to", missing.stderr)
        self.assertIn("is unchanged", missing.stderr)

    def test_the_serial_changes_with_the_inventory_and_only_then(self):
        same = [self.serial(phx_fw(None, "zone", "--rules", SPEC_RULES, check=True).stdout) for _ in range(2)]
        self.assertEqual(same[0], same[1])
        rows_changed = rules_copy(self, 'comment = "Allow Nginx to proxy to Traefik"', 'comment = "proxy"')
        moved = rules_copy(self, 'address = "10.0.0.12"', 'address = "10.0.0.14"')
        self.assertEqual(self.serial(phx_fw(None, "zone", "--rules", rows_changed, check=True).stdout), same[0])
        self.assertNotEqual(self.serial(phx_fw(None, "zone", "--rules", moved, check=True).stdout), same[0])

    def test_a_network_off_an_octet_boundary_is_an_error_and_writes_nothing(self):
        rules = rules_copy(self, 'network = "10.0.0.0/24"', 'network = "10.0.0.0/23"')
        result = phx_fw(None, "zone", "--rules", rules, "--output", self.file)
        self.assertEqual(result.returncode, 1)
        self.assertIn("phx-fw: error: the guest network 10.0.0.0/23 has no reverse zone of its own: phx-fw writes "
                      "reverse zones for IPv4 networks of prefix length /8, /16 or /24", result.stderr)
        self.assertIn("no zone was written", result.stderr)
        self.assertFalse(os.path.exists(self.file))


class HelpTest(unittest.TestCase):
    """The new commands' --help, which help2man turns into the man page."""

    def help(self, *command):
        result = phx_fw(None, *command, "--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def test_the_new_commands_are_listed_and_explained(self):
        top = self.help()
        for command in ("confirm", "graph", "zone"):
            self.assertRegex(top, rf"\n  {command} +\S")
        self.assertIn("apply --confirm: 0 confirmed, 1 nothing applied (or the rollback failed), 3 rolled back", top)
        self.assertIn("PHX_FW_RUNTIME_DIR", top)
        apply = self.help("apply")
        self.assertIn("-c,--confirm SECONDS", apply)
        self.assertIn("A detached keeper process owns the timer", apply)
        self.assertIn("no apply is waiting", self.help("confirm"))
        self.assertIn("dot -Tsvg", self.help("graph"))
        zone = self.help("zone")
        for option in ("-d,--domain DOMAIN", "-n,--nameserver HOST", "-o,--output FILE", "-r,--rules"):
            self.assertIn(option, zone)


if __name__ == "__main__":
    unittest.main()

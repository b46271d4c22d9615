# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw on a two-node Proxmox cluster (issue 13, point 4), with real
traffic: two hypervisor namespaces (10.0.0.13 and 10.0.0.14 on their vmbr0)
share one rules file, as pmxcfs shares /etc/pve/phoenix/rules.toml, with
[[node]] for the second. Their uplinks and a LAN client meet on a switch
namespace; a guest runs on each node. Each node applies the file as itself,
found by its address; the LAN reaches both nodes' SSH and DNS port (echo
servers on udp and tcp 53 stand in for phx-dnsd: the firewall is what is
probed), the nodes
reach each other's corosync, no guest reaches a node's SSH, and a guest of
one node reaches a guest of the other through the uplink. apply --if-changed
sends nothing for an unchanged file (the table and its counters stay),
applies a changed one, and the unit's own commands refuse a broken file
and keep the last good policy, live and in the boot copy."""

import os
import re
import shlex
import shutil
import tempfile
import unittest
from concurrent.futures import ThreadPoolExecutor

import netns
from fwtool import PHX_FW, SOURCE, normalise, nft, phx_fw, phx_tables, require_binaries
from lab import ACCEPT_TIMEOUT, DROP_TIMEOUT, EchoServers, add_bridge, plug, probe_from

NODE1, NODE2 = "10.0.0.13", "10.0.0.14"
NODE_NAMES = {NODE1: "hypervisor", NODE2: "pve2"}  # [hypervisor], then the [[node]]
WEB, APP = "10.0.0.153", "10.0.0.160"  # LXC 101 on node 1, LXC 102 on node 2
LAN = "10.0.0.50"
SERVED = {NODE1: [("tcp", 22), ("tcp", 53), ("udp", 53), ("udp", 5405), ("tcp", 60000), ("tcp", 8080)],
          WEB: [("tcp", 80), ("tcp", 81)]}
SERVED[NODE2] = SERVED[NODE1]
SSH_COMMENT = "management: SSH from the management network"
UNIT = os.path.join(SOURCE, "packaging", "systemd", "phx-fw-cluster.service")

RULES = """[hypervisor]
address = "10.0.0.13"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[node]]
name = "pve2"
address = "10.0.0.14"

[[guest]]
id = 101
kind = "lxc"
name = "web"
address = "10.0.0.153"

[[guest]]
id = 102
kind = "lxc"
name = "app"
address = "10.0.0.160"

[management]
cluster = true

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.0/24"
destination = "hypervisor"
protocol = "udp"
ports = 53
comment = "DNS on every node"

[[rule]]
scope = "global"
direction = "in"
action = "accept"
source = "10.0.0.0/24"
destination = "hypervisor"
protocol = "tcp"
ports = 53
comment = "DNS over TCP on every node"

[[rule]]
scope = "global"
direction = "out"
action = "accept"
comment = "Allow all outbound traffic from the hypervisor"

[[rule]]
scope = "app"
direction = "out"
action = "accept"
destination = "web"
protocol = "tcp"
ports = 80
comment = "app reaches web across the nodes"
"""


def table_handle(ns):
    """The handle of table inet phx: a new one whenever apply replaced it."""
    listed = nft(ns, "-a", "list", "table", "inet", "phx").stdout
    return int(re.search(r"table inet phx \{ # handle (\d+)", listed).group(1))


def ssh_packets(ns):
    """Packets the [management] SSH row has counted, over all its elements."""
    listed = nft(ns, "list", "table", "inet", "phx").stdout
    counts = re.findall(rf'counter packets (\d+) bytes \d+ comment "{re.escape(SSH_COMMENT)}"', listed)
    if not counts:
        raise AssertionError(f"no element says {SSH_COMMENT!r}:\n{listed}")
    return sum(map(int, counts))


def target(address):
    return f"the hypervisor target on node {NODE_NAMES[address]} ({address})"


class ClusterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.require_root()
        require_binaries(PHX_FW)
        cls.dir = tempfile.mkdtemp(prefix="phx-cluster-")
        cls.shared = os.path.join(cls.dir, "pve", "phoenix", "rules.toml")  # /etc/pve on every node
        os.makedirs(os.path.dirname(cls.shared))
        cls.write_rules(RULES)
        cls.ns = {}  # address -> namespace
        cls.servers = None
        try:
            cls.build()
            cls.servers = EchoServers(cls.ns, [(a, proto, port) for a, served in SERVED.items()
                                               for proto, port in served])
            cls.servers.start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def build(cls):
        switch = cls.ns["switch"] = netns.create("switch")
        netns.exec_in(switch, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
        netns.run("ip", "-n", switch, "link", "add", "lan0", "type", "bridge")
        netns.run("ip", "-n", switch, "link", "set", "lan0", "up")
        for address, name in NODE_NAMES.items():
            hv = cls.ns[address] = netns.create(name)
            netns.exec_in(hv, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                          "net.bridge.bridge-nf-call-ip6tables=1")
            add_bridge(hv, "vmbr0", f"{address}/24")
            # The uplink: eno1 on vmbr0, as on a Proxmox node, to the switch.
            netns.run("ip", "-n", hv, "link", "add", "eno1", "type", "veth", "peer", "name", f"up-{name}"[:15],
                      "netns", switch)
            netns.run("ip", "-n", hv, "link", "set", "eno1", "master", "vmbr0", "up")
            netns.run("ip", "-n", switch, "link", "set", f"up-{name}"[:15], "master", "lan0", "up")
        for address, name, hv, port in ((WEB, "web", NODE1, "veth101i0"), (APP, "app", NODE2, "veth102i0")):
            cls.ns[address] = netns.create(name)
            plug(cls.ns[hv], "vmbr0", port, cls.ns[address], f"{address}/24")
        cls.ns[LAN] = netns.create("lan")
        plug(switch, "lan0", "up-lan", cls.ns[LAN], f"{LAN}/24")

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.servers:
                cls.servers.stop()
        finally:
            for ns in cls.ns.values():
                netns.delete(ns)
            shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write_rules(cls, text):
        """Replaces the shared file as pmxcfs shows an edit: whole, by rename."""
        with open(cls.shared + ".new", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(cls.shared + ".new", cls.shared)

    def apply(self, node, *extra):
        result = phx_fw(self.ns[node], "apply", "--if-changed", "--rules", self.shared, *extra)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result

    def apply_everywhere(self):
        self.write_rules(RULES)
        for node in NODE_NAMES:
            self.apply(node)

    def probe_all(self, probes):
        """probes: [(src, dst, proto, port, expect_ok)]; "" when every one
        went as expected, else one line per surprise."""
        def one(p):
            src, dst, proto, port, ok = p
            return p, probe_from(self.ns[src], dst, proto, port, ACCEPT_TIMEOUT if ok else DROP_TIMEOUT)

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(one, probes))
        return "\n".join(f"{src} -> {dst} {proto}/{port}: expected {'accept' if ok else 'drop'}, seen {seen}"
                         for (src, dst, proto, port, ok), seen in results if (seen == "ok") != ok)

    # Everything phx-fw must drop, and a sample of what it must pass.
    DROPPED = [(WEB, NODE2, "tcp", 22), (APP, NODE2, "tcp", 22), (APP, NODE1, "tcp", 22),
               (APP, NODE2, "udp", 5405), (APP, WEB, "tcp", 81), (LAN, NODE1, "tcp", 8080)]
    ADMITTED = ([(LAN, node, proto, port) for node in NODE_NAMES for proto, port in
                 (("tcp", 22), ("udp", 53), ("tcp", 53))] +
                [(NODE1, NODE2, "udp", 5405), (NODE2, NODE1, "udp", 5405), (NODE1, NODE2, "tcp", 22),
                 (NODE2, NODE1, "tcp", 60000), (APP, WEB, "tcp", 80), (WEB, NODE1, "udp", 53)])

    def test_0_without_a_policy_every_probed_flow_passes(self):
        for node in NODE_NAMES:
            phx_fw(self.ns[node], "flush", check=True)
        self.assertEqual(self.probe_all([p + (True,) for p in self.DROPPED + self.ADMITTED]), "",
                         "the plumbing, before any table")

    def test_1_each_node_applies_the_shared_file_as_itself(self):
        for node in NODE_NAMES:
            phx_fw(self.ns[node], "flush", check=True)
        applied = {node: self.apply(node) for node in NODE_NAMES}
        self.assertEqual(self.probe_all([p + (False,) for p in self.DROPPED] + [p + (True,) for p in self.ADMITTED]),
                         "", "under the shared policy")
        for node, result in applied.items():
            self.assertRegex(result.stdout, rf"^applied table inet phx and table bridge phx from "
                                            rf"{re.escape(self.shared)} \({re.escape(target(node))}\): ")
            self.assertIn(f"phx-fw: cluster: this is node {NODE_NAMES[node]} ({node}) of 2: its address is on "
                          f"this machine", result.stderr)
            listed = phx_fw(self.ns[node], "list", check=True).stdout
            self.assertIn(f'comment "phx-fw: {target(node)}, rules rules.toml"', listed)
            # Guests of the other node come in through the uplink: not dropped there.
            self.assertNotIn("another port", nft(self.ns[node], "list", "table", "bridge", "phx").stdout)

    def test_2_an_unchanged_file_sends_nothing_and_a_changed_one_applies(self):
        self.apply_everywhere()
        hv = self.ns[NODE1]
        self.assertEqual(self.probe_all([(LAN, NODE1, "tcp", 22, True)]), "")
        counted, handle = ssh_packets(hv), table_handle(hv)
        self.assertGreater(counted, 0)
        again = self.apply(NODE1)
        self.assertEqual(again.stdout, f"unchanged: the live tables already are {self.shared} ({target(NODE1)}); "
                                       f"nothing sent\n")
        self.assertEqual((ssh_packets(hv), table_handle(hv)), (counted, handle), "apply --if-changed sent something")
        # A changed row applies, on both nodes: web's port 81 opens for app.
        self.write_rules(RULES.replace("ports = 80\ncomment = \"app", "ports = [80, 81]\ncomment = \"app"))
        for node in NODE_NAMES:
            self.assertTrue(self.apply(node).stdout.startswith("applied "))
        self.assertNotEqual(table_handle(hv), handle)
        self.assertEqual(self.probe_all([(APP, WEB, "tcp", 81, True)]), "")

    def unit_commands(self, etc):
        """phx-fw-cluster.service's ExecStartPre, ExecStart and ExecStartPost
        lines in the order systemd runs them, pointed at this build's phx-fw,
        the shared file and `etc` for /etc/phoenix."""
        with open(UNIT, encoding="utf-8") as f:
            lines = [line.rstrip("\n").split("=", 1) for line in f if re.match(r"ExecStart(Pre|Post)?=", line)]
        order = {"ExecStartPre": 0, "ExecStart": 1, "ExecStartPost": 2}
        commands = [value for key, value in sorted(lines, key=lambda kv: order[kv[0]])]
        self.assertEqual(len(commands), 3)
        return [shlex.split(c.replace("/usr/sbin/phx-fw", PHX_FW).replace("/etc/pve/phoenix/rules.toml", self.shared)
                            .replace("/etc/phoenix/", etc + "/")) for c in commands]

    def run_unit(self, node, etc):
        """Runs the unit's commands in `node`'s namespace as systemd would,
        stopping at the first that fails; returns that one's result, or None."""
        for command in self.unit_commands(etc):
            result = netns.exec_in(self.ns[node], *command, check=False)
            if result.returncode != 0:
                return result
        return None

    def test_3_the_unit_refuses_a_broken_file_and_keeps_the_last_good_policy(self):
        self.apply_everywhere()
        etc = os.path.join(self.dir, "etc-pve2")
        os.makedirs(etc, exist_ok=True)
        self.assertIsNone(self.run_unit(NODE2, etc))
        with open(os.path.join(etc, "rules.toml"), encoding="utf-8") as f:
            self.assertEqual(f.read(), RULES, "the boot copy is the policy applied")
        hv = self.ns[NODE2]
        before, handle = normalise(phx_tables(hv)), table_handle(hv)
        self.write_rules(RULES.replace('destination = "web"', 'destination = "wbe"'))
        line = RULES.count("\n", 0, RULES.index('destination = "web"')) + 1
        failed = self.run_unit(NODE2, etc)
        self.assertIsNotNone(failed, "the unit accepted a broken file")
        self.assertIn(f"{self.shared}:{line}:15: error: unknown host 'wbe' (did you mean 'web'?)", failed.stderr)
        refused = phx_fw(hv, "apply", "--if-changed", "--rules", self.shared)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("nothing was done", refused.stderr)
        self.assertEqual((normalise(phx_tables(hv)), table_handle(hv)), (before, handle))
        with open(os.path.join(etc, "rules.toml"), encoding="utf-8") as f:
            self.assertEqual(f.read(), RULES, "the boot copy was replaced by a broken file")
        self.assertEqual(self.probe_all([(LAN, NODE2, "tcp", 22, True), (APP, WEB, "tcp", 80, True)]), "")

    def test_4_at_boot_before_any_address_a_node_is_known_by_its_host_name(self):
        # phx-fw.service applies the boot copy before the network is up:
        # no node's address exists yet, and the host name says which node.
        booting = netns.create("booting")
        self.addCleanup(netns.delete, booting)
        netns.exec_in(booting, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                      "net.bridge.bridge-nf-call-ip6tables=1")
        self.write_rules(RULES)
        result = netns.exec_in(booting, "unshare", "--uts", "sh", "-c",
                               f'hostname pve2 && exec "$0" apply --rules "$1"', PHX_FW, self.shared, check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn(f"({target(NODE2)})", result.stdout)
        self.assertIn("this machine's host name is its name", result.stderr)


if __name__ == "__main__":
    unittest.main()

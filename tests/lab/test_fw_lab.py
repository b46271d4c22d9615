# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab: the spec's whole network in namespaces, with phx-fw's policy
applied for each enforcement target and every admitted flow, a sample of
the others, DNS over UDP and TCP and an established connection probed."""

import os
import random
import socket
import sys
import tempfile
import time
import unittest

import netns
from fwtool import PHX_DNSD, PHX_FW, SPEC_RULES, phx_fw, require_binaries
from lab import ACCEPT_TIMEOUT, DROP_TIMEOUT, Lab
from spec_flows import GUESTS, HYPERVISOR

NGINX, TRAEFIK = GUESTS["nginx"], GUESTS["traefik"]


def without_row(text, comment):
    """The rules text without the [[rule]] whose comment this is."""
    blocks = text.split("\n[[rule]]\n")
    kept = [b for b in blocks if f'comment = "{comment}"' not in b]
    assert len(kept) == len(blocks) - 1, comment
    return "\n[[rule]]\n".join(kept)


class LabTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        netns.require_root()
        require_binaries(PHX_FW, PHX_DNSD)
        cls.seed = int(os.environ.get("PHX_LAB_SEED", random.randrange(1 << 30)))
        cls.lab = Lab()
        try:
            cls.lab.build()
            cls.lab.start_services()
        except BaseException:
            cls.lab.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.lab.stop()

    def setUp(self):
        for ns in self.lab.ns.values():
            phx_fw(ns, "flush", check=True)

    def apply_hypervisor(self, rules):
        result = phx_fw(self.lab.hypervisor, "apply", "--rules", rules)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def apply_every_host(self, rules):
        for address, ns in self.lab.ns.items():
            if address in GUESTS.values() or address == HYPERVISOR:
                result = phx_fw(ns, "apply", "--rules", rules, "--host", address)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def check_spec_connectivity(self, target):
        probes = self.lab.plan(self.seed)
        start = time.monotonic()
        results = self.lab.probe_all(probes)
        admitted = sum(1 for p in probes if p[4])
        print(f"\n{target}: {admitted} admitted and {len(probes) - admitted} dropped flows probed in "
              f"{time.monotonic() - start:.1f} s (PHX_LAB_SEED={self.seed})", file=sys.stderr)
        self.assertGreaterEqual(len(probes) - admitted, 200)
        self.assertEqual(self.lab.matrix(results), "", f"{target}: connectivity differs from the spec")
        for address, name in self.lab.names.items():
            if address == HYPERVISOR:
                continue
            for proto in ("udp", "tcp"):
                self.assertEqual(self.lab.resolve(address, proto), "ok", f"{name} resolving over {proto}")

    def check_established_connection_survives(self, apply):
        apply(SPEC_RULES)
        with netns.socket_in(self.lab.ns[NGINX]) as kept:
            kept.settimeout(ACCEPT_TIMEOUT)
            kept.connect((TRAEFIK, 80))
            kept.send(b"before")
            self.assertEqual(kept.recv(64), b"pong before")
            with open(SPEC_RULES, encoding="utf-8") as f:
                reduced = without_row(f.read(), "Allow Nginx to proxy to Traefik")
            with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as rules:
                rules.write(reduced)
            self.addCleanup(os.remove, rules.name)
            apply(rules.name)
            kept.send(b"after")
            self.assertEqual(kept.recv(64), b"pong after")
        self.assertEqual(self.lab.probe(NGINX, TRAEFIK, "tcp", 80, DROP_TIMEOUT), "timeout")

    def test_1_without_a_firewall_every_probe_connects(self):
        # The plumbing works, so what is dropped later is the firewall's doing.
        probes = [(src, dst, proto, port, True) for src, dst, proto, port, _ in self.lab.plan(self.seed)]
        self.assertEqual(self.lab.matrix(self.lab.probe_all(probes)), "")

    def test_2_the_hypervisor_target_gives_the_spec_connectivity(self):
        self.apply_hypervisor(SPEC_RULES)
        live = netns.exec_in(self.lab.hypervisor, "nft", "list", "ruleset").stdout
        for shown in ("table inet phx", "type filter hook forward priority filter; policy drop;",
                      "ct state established,related", "ct state invalid",
                      'comment "Allow Nginx to proxy to Traefik"', "table bridge phx",
                      '"veth101i0" . 10.0.0.153 comment "nginx"'):
            self.assertIn(shown, live)
        self.check_spec_connectivity("hypervisor target")
        # The guests' addresses were bound to their ports all along, and no
        # honest packet tripped a binding (test_fw_proxmox shows they bite).
        bridge = netns.exec_in(self.lab.hypervisor, "nft", "list", "table", "bridge", "phx").stdout
        self.assertNotRegex(bridge, r"packets [1-9]\d* bytes \d+ drop", bridge)

    def test_3_every_host_filtering_itself_gives_the_spec_connectivity(self):
        self.apply_every_host(SPEC_RULES)
        self.check_spec_connectivity("host target")

    def test_4_an_established_connection_survives_a_reapply_that_removes_its_rule(self):
        with self.subTest(target="hypervisor"):
            self.check_established_connection_survives(self.apply_hypervisor)
        for ns in self.lab.ns.values():
            phx_fw(ns, "flush", check=True)
        with self.subTest(target="every host"):
            self.check_established_connection_survives(self.apply_every_host)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab: a whole network in namespaces, built from its rules file, with
phx-fw's policy applied for each enforcement target and every admitted flow,
a sample of the others, DNS over UDP and TCP and an established connection
probed, and phx-dnsd's names checked: the zone file's, every inventory
host's forward and reverse name. LabChecks holds the checks; this file runs
them on the spec's network, test_fw_lab_workshop.py on the workshop's, each
against its own hand-written expectations."""

import copy
import os
import random
import sys
import tempfile
import time
import types
import unittest

import dns.flags
import dns.rcode
import dns.rdatatype
import dns.reversename

import netns
import spec_flows
from fwtool import PHX_DNSD, PHX_FW, phx_fw, require_binaries
from lab import ACCEPT_TIMEOUT, DROP_TIMEOUT, Lab, disagreements


def without_row(text, comment):
    """The rules text without the [[rule]] whose comment this is."""
    blocks = text.split("\n[[rule]]\n")
    kept = [b for b in blocks if f'comment = "{comment}"' not in b]
    assert len(kept) == len(blocks) - 1, comment
    return "\n[[rule]]\n".join(kept)


def records(reply, rdtype):
    """The rdata of every record of type `rdtype` ("A" or dns.rdatatype.A)
    in the answer section, as text."""
    rdtype = dns.rdatatype.RdataType.make(rdtype)
    return [rr.to_text() for rrset in reply.answer if rrset.rdtype == rdtype for rr in rrset]


class LabChecks:
    """The lab's checks for the network of `expect` (a module of
    hand-written expectations); mixed into a unittest.TestCase per network."""

    expect = None
    maxDiff = None  # a mismatch report is a list of flows: show all of it

    @classmethod
    def setUpClass(cls):
        netns.require_root()
        require_binaries(PHX_FW, PHX_DNSD)
        cls.seed = int(os.environ.get("PHX_LAB_SEED", random.randrange(1 << 30)))
        cls.lab = Lab(cls.expect)
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
        for host in self.lab.inventory.hosts:
            result = phx_fw(self.lab.ns[host.address], "apply", "--rules", rules, "--host", host.address)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def check_connectivity(self, target):
        probes = self.lab.plan(self.seed)
        start = time.monotonic()
        results = self.lab.probe_all(probes)
        admitted = sum(1 for p in probes if p[4])
        unexpected = sum(1 for p, seen in results if (seen == "ok") != p[4])
        print(f"\n{self.expect.NAME}, {target}: {len(probes)} probes, {admitted} admitted and "
              f"{len(probes) - admitted} dropped flows in {time.monotonic() - start:.1f} s; {unexpected} unexpected "
              f"(PHX_LAB_SEED={self.seed})", file=sys.stderr)
        self.assertGreaterEqual(len(probes) - admitted, 200)
        self.assertEqual(self.lab.matrix(results), "", f"{target}: connectivity differs from the expectations")
        for address, name in self.lab.names.items():
            if address == self.lab.hypervisor_address:
                continue
            for proto in ("udp", "tcp"):
                self.assertEqual(self.lab.resolve(address, proto), "ok", f"{name} resolving over {proto}")

    def check_established_connection_survives(self, apply):
        src_name, dst_name, port, comment = self.expect.KEPT_FLOW
        src, dst = self.expect.GUESTS[src_name], self.expect.GUESTS[dst_name]
        apply(self.lab.rules)
        with netns.socket_in(self.lab.ns[src]) as kept:
            kept.settimeout(ACCEPT_TIMEOUT)
            kept.connect((dst, port))
            kept.send(b"before")
            self.assertEqual(kept.recv(64), b"pong before")
            with open(self.lab.rules, encoding="utf-8") as f:
                reduced = without_row(f.read(), comment)
            with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as rules:
                rules.write(reduced)
            self.addCleanup(os.remove, rules.name)
            apply(rules.name)
            kept.send(b"after")
            self.assertEqual(kept.recv(64), b"pong after")
        self.assertEqual(self.lab.probe(src, dst, "tcp", port, DROP_TIMEOUT), "timeout")

    def test_0_the_inventory_and_the_hand_written_expectations_agree(self):
        # The lab is built from the rules file and judged by the expectations:
        # they must describe the same network, or a pass would mean nothing.
        self.assertEqual(disagreements(self.lab.inventory, self.expect), [])
        self.assertEqual(sorted(self.lab.ns), sorted(list(self.expect.HOST_NAMES) + [self.expect.LAN_CLIENT]))
        # ...and a disagreement is caught: expectations with one guest moved.
        moved = types.SimpleNamespace(**{k: v for k, v in vars(self.expect).items() if k.isupper()},
                                      __name__="moved")
        moved.GUESTS = copy.deepcopy(self.expect.GUESTS)
        name = next(iter(moved.GUESTS))
        moved.GUESTS[name] = self.expect.UNUSED_ADDRESS
        said = disagreements(self.lab.inventory, moved)
        self.assertEqual(len(said), 1, said)
        self.assertIn(self.expect.UNUSED_ADDRESS, said[0])

    def test_1_without_a_firewall_every_probe_connects(self):
        # The plumbing works, so what is dropped later is the firewall's doing.
        probes = [(src, dst, proto, port, True) for src, dst, proto, port, _ in self.lab.plan(self.seed)]
        self.assertEqual(self.lab.matrix(self.lab.probe_all(probes)), "")

    def test_2_the_hypervisor_target_gives_the_expected_connectivity(self):
        self.apply_hypervisor(self.lab.rules)
        live = netns.exec_in(self.lab.hypervisor, "nft", "list", "ruleset").stdout
        for shown in ("table inet phx", "type filter hook forward priority filter; policy drop;",
                      "ct state established,related", "ct state invalid",
                      f'comment "{self.expect.KEPT_FLOW[3]}"', "table bridge phx"):
            self.assertIn(shown, live)
        # Every guest is bound to the port (and MAC) the expectations give it.
        for name, port in self.expect.BRIDGE_PORTS.items():
            self.assertIn(f'"{port}" . {self.expect.GUESTS[name]} comment "{name}"', live)
        for name, mac in self.expect.MACS.items():
            self.assertIn(f'"{self.expect.BRIDGE_PORTS[name]}" . {mac} comment "{name}"', live)
        self.check_connectivity("hypervisor target")
        # The guests' addresses were bound to their ports all along, and no
        # honest packet tripped a binding (test_fw_proxmox shows they bite).
        bridge = netns.exec_in(self.lab.hypervisor, "nft", "list", "table", "bridge", "phx").stdout
        self.assertNotRegex(bridge, r"packets [1-9]\d* bytes \d+ drop", bridge)

    def test_3_every_host_filtering_itself_gives_the_expected_connectivity(self):
        self.apply_every_host(self.lab.rules)
        self.check_connectivity("host target")

    def test_4_an_established_connection_survives_a_reapply_that_removes_its_rule(self):
        with self.subTest(target="hypervisor"):
            self.check_established_connection_survives(self.apply_hypervisor)
        for ns in self.lab.ns.values():
            phx_fw(ns, "flush", check=True)
        with self.subTest(target="every host"):
            self.check_established_connection_survives(self.apply_every_host)

    def ask(self, name, rdtype, expected_rcode=dns.rcode.NOERROR):
        """phx-dnsd's authoritative reply to a guest asking for `name`, over UDP."""
        asker = self.expect.GUESTS[self.expect.DNS_ASKER]
        reply = self.lab.query(asker, name, rdtype)
        self.assertEqual(reply.rcode(), expected_rcode, f"{name} {rdtype}:\n{reply}")
        self.assertTrue(reply.flags & dns.flags.AA, f"{name} {rdtype}: not authoritative\n{reply}")
        return reply

    def check_negative(self, name, rdtype, zone):
        """NXDOMAIN, with the SOA of `zone` in the authority section (RFC 2308)."""
        reply = self.ask(name, rdtype, dns.rcode.NXDOMAIN)
        self.assertEqual(records(reply, rdtype), [], reply)
        soa = [rrset.name.to_text() for rrset in reply.authority if rrset.rdtype == dns.rdatatype.SOA]
        self.assertEqual(soa, [zone], f"{name}: the SOA of the negative answer\n{reply}")

    def test_5_every_name_and_every_host_answers_as_written_down(self):
        # Through the firewall, as the guests will ask: the rows admit DNS.
        self.apply_hypervisor(self.lab.rules)
        expect = self.expect
        for name, addresses in expect.NAMES.items():
            with self.subTest(name=name):
                reply = self.ask(name, "A")
                self.assertEqual(sorted(records(reply, dns.rdatatype.A)), sorted(addresses), reply)
                self.assertEqual(records(reply, dns.rdatatype.CNAME), [expect.ALIASES[name]] if name in expect.ALIASES
                                 else [], reply)
        self.check_negative(expect.NXDOMAIN_NAME, "A", expect.ZONE_ORIGIN)
        # Forward-confirmed reverse DNS for every host of the inventory, the
        # hypervisor too: one PTR, to the name written down for it, and that
        # name's address is the host's.
        checked = []
        for host in self.lab.inventory.hosts:
            with self.subTest(host=host.name):
                reverse = dns.reversename.from_address(host.address).to_text()
                ptr = records(self.ask(reverse, "PTR"), dns.rdatatype.PTR)
                self.assertEqual(ptr, [expect.HOST_NAMES[host.address]], f"dig -x {host.address}")
                self.assertEqual(records(self.ask(ptr[0], "A"), dns.rdatatype.A), [host.address],
                                 f"{ptr[0]}, the PTR of {host.address}")
                checked.append(host.address)
        self.assertEqual(sorted(checked), sorted(expect.HOST_NAMES))
        self.check_negative(dns.reversename.from_address(expect.UNUSED_ADDRESS).to_text(), "PTR",
                            expect.REVERSE_ZONE)
        print(f"\n{expect.NAME}: {len(expect.NAMES)} zone names; forward-confirmed reverse DNS for "
              f"{len(checked)} hosts ({', '.join(self.lab.names[a] for a in checked)}); "
              f"NXDOMAIN for {expect.UNUSED_ADDRESS}", file=sys.stderr)


class SpecLabTest(LabChecks, unittest.TestCase):
    """The spec's network: rules/phoenix.toml, zones/internal.thinkheads.ai.zone."""

    expect = spec_flows


if __name__ == "__main__":
    unittest.main()

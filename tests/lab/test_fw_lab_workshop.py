# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's checks (test_fw_lab.py) on the second example network, the
workshop: rules/examples/workshop.toml and zones/examples/workshop.home.arpa.zone,
judged by workshop_flows.py. A separate test, so that ctest runs the two
networks side by side."""

import unittest

import netns
import workshop_flows
from fwtool import drop_counter, nft
from lab import ACCEPT_TIMEOUT, DROP_TIMEOUT
from test_fw_lab import LabChecks

MAC_DROP = "a guest sending from a MAC that is not its own"


class WorkshopLabTest(LabChecks, unittest.TestCase):
    expect = workshop_flows

    def test_6_a_guest_bound_to_its_mac_is_dropped_from_any_other(self):
        """Caddy's own address from another MAC: table bridge phx's fast path
        (port . MAC . address) must not pass it, the MAC check drops it. Both
        ends know each other's MAC for good, so only the binding can stop
        the connection (no ARP exchange to lose, no reply to a stale MAC)."""
        caddy, gitea = self.expect.GUESTS["caddy"], self.expect.GUESTS["gitea"]
        ns, own_mac, other_mac = self.lab.ns[caddy], self.expect.MACS["caddy"], "02:00:00:00:00:99"
        self.apply_hypervisor(self.lab.rules)
        fast = nft(self.lab.hypervisor, "list", "set", "bridge", "phx", "ip_mac_fast").stdout
        self.assertIn(f'"{self.expect.BRIDGE_PORTS["caddy"]}" . {own_mac} . {caddy}', fast)
        self.assertEqual(self.lab.probe(caddy, gitea, "tcp", 3000, ACCEPT_TIMEOUT), "ok")
        self.assertEqual(drop_counter(self.lab.hypervisor, MAC_DROP), 0)
        netns.run("ip", "-n", ns, "link", "set", "eth0", "address", other_mac)
        self.addCleanup(netns.run, "ip", "-n", ns, "link", "set", "eth0", "address", own_mac)
        # After the change: a new address flushes the device's neighbours.
        for at, peer, mac in ((ns, gitea, netns.mac_of(self.lab.ns[gitea])), (self.lab.ns[gitea], caddy, other_mac)):
            netns.run("ip", "-n", at, "neigh", "replace", peer, "lladdr", mac, "dev", "eth0", "nud", "permanent")
            self.addCleanup(netns.run, "ip", "-n", at, "neigh", "del", peer, "dev", "eth0", check=False)
        self.assertEqual(self.lab.probe(caddy, gitea, "tcp", 3000, DROP_TIMEOUT), "timeout")
        self.assertGreater(drop_counter(self.lab.hypervisor, MAC_DROP), 0,
                           "caddy's SYN from another MAC was not dropped at its port")


if __name__ == "__main__":
    unittest.main()

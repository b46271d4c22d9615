# SPDX-License-Identifier: GPL-3.0-or-later
"""The second example network, the workshop (rules/examples/workshop.toml,
zones/examples/workshop.home.arpa.zone), as its author means it, written out
by hand: its hosts, their ports and MACs, the flows its rows ask for (read
with the scope rules of fwcompile/POLICY.md, in the file's order, first match
wins) and the names phx-dnsd must answer. Nothing here is read from the rules
file or computed by phx-fw or phx-dnsd: the lab builds the network from the
rules file and checks that it agrees with this, so a typo on either side
fails loudly. The names are those of spec_flows.py, so the lab takes either."""

import ipaddress
import os

from flows import ANY, MANAGEMENT_WHY, Flow, first_match_admits

NAME = "workshop"
_SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(_SOURCE, "rules", "examples", "workshop.toml")
ZONE = os.path.join(_SOURCE, "zones", "examples", "workshop.home.arpa.zone")

HYPERVISOR_NAME = "anvil"
HYPERVISOR = "172.20.0.1"
NETWORK = ipaddress.ip_network("172.20.0.0/16")  # a /16: one reverse zone, 20.172.in-addr.arpa
BRIDGE = "vmbr1"
GUESTS = {  # spread over three /24s of the /16
    "caddy": "172.20.1.10",
    "gitea": "172.20.1.11",
    "postgres": "172.20.2.5",
    "builder": "172.20.3.21",
    "grafana": "172.20.3.22",
}
LAN_CLIENT = "172.20.200.50"  # a laptop on the LAN, in none of the rows
BRIDGE_PORTS = {  # as Proxmox names them
    "caddy": "veth110i0",  # LXC 110
    "gitea": "veth111i0",  # LXC 111
    "postgres": "veth112i0",  # LXC 112
    "builder": "tap2001i0",  # VM 2001
    "grafana": "tap2002i0",  # VM 2002
}
MACS = {  # the two guests whose MAC the inventory fixes: frames from their port must carry it
    "caddy": "bc:24:11:14:01:0a",
    "builder": "bc:24:11:14:03:15",
}
UPLINK = "enp1s0"  # the LAN's port on vmbr1: no guest's
# The management network defaults to the network minus the guests: here,
# the LAN client. SSH, the web UI and the consoles of the hypervisor.
MANAGEMENT = {LAN_CLIENT}
MANAGEMENT_PORTS = [22, 8006, 3128] + list(range(5900, 6000))

G = GUESTS
FLOWS = [Flow(MANAGEMENT, {HYPERVISOR}, "tcp", port, MANAGEMENT_WHY) for port in MANAGEMENT_PORTS] + [
    # global "in": as written, from anywhere it says.
    Flow(ANY, {G["caddy"]}, "tcp", 80, "Anyone may reach the reverse proxy over HTTP and HTTPS"),
    Flow(ANY, {G["caddy"]}, "tcp", 443, "Anyone may reach the reverse proxy over HTTP and HTTPS"),
    Flow(NETWORK, {HYPERVISOR}, "udp", 53, "The workshop asks the hypervisor for names"),
    Flow(NETWORK, {HYPERVISOR}, "tcp", 53, "The workshop asks the hypervisor for names (TCP)"),
    # global "out": what the hypervisor itself sends, to anyone.
    Flow({HYPERVISOR}, ANY, "any", ANY, "The hypervisor may reach everything"),
    # a guest's "out": from that guest; a guest's "in": to that guest.
    Flow({G["caddy"]}, {G["gitea"], G["grafana"]}, "tcp", 3000, "Caddy proxies to Gitea and Grafana"),
    Flow({G["gitea"], G["grafana"]}, {G["postgres"]}, "tcp", 5432, "Gitea and Grafana keep their data in Postgres"),
    Flow({G["gitea"]}, {G["builder"]}, "tcp", range(8080, 8090), "Gitea hands jobs to the builder's runners"),
    Flow({G["builder"]}, {G["gitea"]}, "tcp", 2222, "The builder clones from Gitea and reports back"),
    Flow({G["builder"]}, {G["gitea"]}, "tcp", 3000, "The builder clones from Gitea and reports back"),
    Flow({G["builder"]}, {HYPERVISOR}, "tcp", 2049, "The builder keeps its cache on the hypervisor's NFS"),
    Flow({G["grafana"]}, {HYPERVISOR, G["builder"]}, "tcp", 9100, "Grafana scrapes the node exporters"),
    # Everyone the rows above did not admit to the database (the LAN too):
    # refused with a reset. The hypervisor's own traffic was admitted above.
    Flow(ANY, {G["postgres"]}, "tcp", 5432, "Everyone else is refused at the database", action="reject"),
]

# Every port a row names; both ends and the middle of the runners' range and
# the port just past it, which nothing opens; three of the management ports.
PORTS = sorted({80, 443, 53, 3000, 5432, 2222, 2049, 9100} | {8080, 8085, 8089, 8090} | {22, 8006, 5900})
# An admitted guest-to-guest flow of one row: (from, to, tcp port, the row's
# comment), for the test that removes the row under an open connection.
KEPT_FLOW = ("caddy", "gitea", 3000, "Caddy proxies to Gitea and Grafana")
DROPPED_FLOW = ("builder", "grafana", 3000)  # one no row admits, to try by hand


def admits(src, dst, proto, port):
    return first_match_admits(FLOWS, src, dst, proto, port)


# --- DNS ---------------------------------------------------------------------
# The zone file's names: the web names point at the proxy, ns1 at the
# hypervisor, and ci is an alias of the builder's host name, which phx-dnsd
# makes from the inventory. Name -> the addresses an A query gets.
ZONE_ORIGIN = "workshop.home.arpa."
NAMES = {
    "www.workshop.home.arpa.": ["172.20.1.10"],
    "git.workshop.home.arpa.": ["172.20.1.10"],
    "dashboards.workshop.home.arpa.": ["172.20.1.10"],
    "ns1.workshop.home.arpa.": ["172.20.0.1"],
    "ci.workshop.home.arpa.": ["172.20.3.21"],
}
ALIASES = {"ci.workshop.home.arpa.": "builder.hosts.workshop.home.arpa."}  # name -> its CNAME
NXDOMAIN_NAME = "nosuch.workshop.home.arpa."
PROBE_NAME = "git.workshop.home.arpa."  # what the lab's DNS probes ask
DNS_ASKER = "gitea"  # the guest the DNS checks ask from
# phx-dnsd names every inventory host <host>.hosts.<zone>, the hypervisor
# by its inventory name, and points each address back at that name (PTR),
# all in one reverse zone for the /16.
HOST_NAMES = {
    "172.20.0.1": "anvil.hosts.workshop.home.arpa.",
    "172.20.1.10": "caddy.hosts.workshop.home.arpa.",
    "172.20.1.11": "gitea.hosts.workshop.home.arpa.",
    "172.20.2.5": "postgres.hosts.workshop.home.arpa.",
    "172.20.3.21": "builder.hosts.workshop.home.arpa.",
    "172.20.3.22": "grafana.hosts.workshop.home.arpa.",
}
REVERSE_ZONE = "20.172.in-addr.arpa."
UNUSED_ADDRESS = "172.20.9.99"  # in the network, no host's: NXDOMAIN with the reverse zone's SOA

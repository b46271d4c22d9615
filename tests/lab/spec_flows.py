# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's network as the spec describes it, written out by hand: its
hosts, their ports, the connectivity section 2 asks for as flows (tables
2.1 and 2.2, read with the scope rules of fwcompile/POLICY.md) and the names
phx-dnsd must answer. It is the lab's oracle and deliberately shares no code
with phx-fw or phx-dnsd: they are judged against the spec, not against
themselves. workshop_flows.py is the same for the second example network,
with the same names, so the lab takes either."""

import ipaddress
import os

from flows import ANY, MANAGEMENT_WHY, Flow, first_match_admits

NAME = "spec"
_SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(_SOURCE, "rules", "phoenix.toml")  # the inventory and the rows
ZONE = os.path.join(_SOURCE, "zones", "internal.thinkheads.ai.zone")

HYPERVISOR_NAME = "hypervisor"
HYPERVISOR = "10.0.0.13"
NETWORK = ipaddress.ip_network("10.0.0.0/24")
BRIDGE = "vmbr0"
GUESTS = {  # spec section 2 (and section 1 for the model servers' names)
    "nginx": "10.0.0.153",
    "traefik": "10.0.0.12",
    "step-ca": "10.0.0.10",
    "portainer": "10.0.0.111",
    "portainer-agent": "10.0.0.102",
    "granite-embedding": "10.0.0.141",
    "granite-3b": "10.0.0.142",
    "ollama": "10.0.0.155",
    "llamacpp": "10.0.0.157",
}
LAN_CLIENT = "10.0.0.50"  # in none of the guest rows
# Each guest's port on vmbr0, named as Proxmox names it: veth<VMID>i0 for a
# container's first NIC, tap<VMID>i0 for a VM's (the ids and kinds are the
# inventory's in rules/phoenix.toml). Written out, not derived, for the same
# reason as the flows below. The LAN is behind the host's uplink.
BRIDGE_PORTS = {
    "nginx": "veth101i0",  # LXC 101
    "traefik": "veth102i0",  # LXC 102
    "step-ca": "veth103i0",  # LXC 103
    "portainer": "tap1001i0",  # VM 1001
    "portainer-agent": "tap1002i0",  # VM 1002
    "granite-embedding": "veth141i0",  # the model servers: LXC, id = last octet
    "granite-3b": "veth142i0",
    "ollama": "veth155i0",
    "llamacpp": "veth157i0",
}
MACS = {}  # the spec gives no guest a MAC
UPLINK = "eno1"  # the LAN client's port: no guest's, so table bridge phx lets it be
# Not in the spec: the access the Proxmox firewall always gives the
# management network (the LAN, not the guests), which phx-fw's [management]
# keeps by default: SSH, the web UI, the consoles (VNC, SPICE proxy).
MANAGEMENT = {LAN_CLIENT}
MANAGEMENT_PORTS = [22, 8006, 3128] + list(range(5900, 6000))

G = GUESTS
FLOWS = [Flow(MANAGEMENT, {HYPERVISOR}, "tcp", port, MANAGEMENT_WHY) for port in MANAGEMENT_PORTS] + [
    # 2.1: "IN" rows are flows to their destination from anywhere they allow;
    # the "OUT ANY ANY" row is the hypervisor's own traffic, not guest to guest.
    Flow(ANY, {G["nginx"]}, "tcp", 80, "Allow HTTP for ACME challenges to Nginx"),
    Flow(ANY, {G["nginx"]}, "tcp", 443, "Allow HTTPS for all services to Nginx"),
    Flow(NETWORK, {HYPERVISOR}, "udp", 53, "Allow internal guests to query DNS on Host"),
    Flow(NETWORK, {HYPERVISOR}, "tcp", 53, "Allow internal guests to query DNS on Host"),
    Flow(NETWORK, {HYPERVISOR}, "tcp", 2049, "Allow internal guests to access NFS on Host"),
    Flow({HYPERVISOR}, ANY, "any", ANY, "Allow all outbound traffic from the hypervisor"),
    # 2.2: a guest's "OUT" row is a flow from that guest, admitted end to end.
    Flow({G["nginx"]}, {G["traefik"]}, "tcp", 80, "Allow Nginx to proxy to Traefik"),
    Flow({G["nginx"]}, {G["step-ca"]}, "tcp", 9000, "Allow Nginx to request certs from Step-CA"),
    Flow({G["traefik"]}, {G["portainer"]}, "tcp", 9443, "Allow Traefik to route to Portainer Server"),
    Flow({G["traefik"]}, {G["portainer-agent"]}, "tcp", 9001, "Allow Traefik to route to Portainer Agent"),
    Flow({G["traefik"]}, {G["granite-embedding"]}, "tcp", 8000, "Allow Traefik to route to granite-embedding"),
    Flow({G["traefik"]}, {G["granite-3b"]}, "tcp", 8000, "Allow Traefik to route to granite-3b"),
    Flow({G["traefik"]}, {G["ollama"]}, "tcp", 11434, "Allow Traefik to route to ollama"),
    Flow({G["traefik"]}, {G["llamacpp"]}, "tcp", 8081, "Allow Traefik to route to llamacpp"),
    Flow({G["step-ca"]}, {G["nginx"]}, "tcp", 80, "Allow CA to perform ACME validation"),
    Flow({G["portainer"]}, {G["portainer-agent"]}, "tcp", 9001, "Allow Portainer Server to connect to Agent"),
]
SPEC_FLOWS = FLOWS  # the name test_fw_graph_zone reads

# Every port a row names, three of the management ports, and one nothing opens.
PORTS = sorted({80, 443, 53, 2049, 9000, 9443, 9001, 8000, 11434, 8081} | {22, 8006, 5900} | {8080})
# An admitted guest-to-guest flow of one row: (from, to, tcp port, the row's
# comment), for the test that removes the row under an open connection.
KEPT_FLOW = ("nginx", "traefik", 80, "Allow Nginx to proxy to Traefik")
DROPPED_FLOW = ("granite-embedding", "ollama", 11434)  # one no row admits, to try by hand


def admits(src, dst, proto, port):
    return first_match_admits(FLOWS, src, dst, proto, port)


spec_admits = admits

# --- DNS ---------------------------------------------------------------------
# Section 1: every service name points at the gateway, 10.0.0.153; ns1 is
# the hypervisor. Name -> the addresses an A query gets.
ZONE_ORIGIN = "internal.thinkheads.ai."
NAMES = {f"{service}.internal.thinkheads.ai.": ["10.0.0.153"] for service in (
    "nginx", "traefik", "ca", "portainer", "portainer-agent", "granite-embedding", "granite-3b", "ollama",
    "llamacpp")}
NAMES["ns1.internal.thinkheads.ai."] = ["10.0.0.13"]
ALIASES = {}  # name -> the CNAME it answers with; the zone has none
NXDOMAIN_NAME = "nosuch.internal.thinkheads.ai."
PROBE_NAME = "traefik.internal.thinkheads.ai."  # what the lab's DNS probes ask
DNS_ASKER = "nginx"  # the guest the DNS checks ask from
# phx-dnsd names every inventory host <host>.hosts.<zone> and points its
# address back at that name (PTR), in the reverse zone of the /24.
HOST_NAMES = {
    "10.0.0.13": "hypervisor.hosts.internal.thinkheads.ai.",
    "10.0.0.153": "nginx.hosts.internal.thinkheads.ai.",
    "10.0.0.12": "traefik.hosts.internal.thinkheads.ai.",
    "10.0.0.10": "step-ca.hosts.internal.thinkheads.ai.",
    "10.0.0.111": "portainer.hosts.internal.thinkheads.ai.",
    "10.0.0.102": "portainer-agent.hosts.internal.thinkheads.ai.",
    "10.0.0.141": "granite-embedding.hosts.internal.thinkheads.ai.",
    "10.0.0.142": "granite-3b.hosts.internal.thinkheads.ai.",
    "10.0.0.155": "ollama.hosts.internal.thinkheads.ai.",
    "10.0.0.157": "llamacpp.hosts.internal.thinkheads.ai.",
}
REVERSE_ZONE = "0.0.10.in-addr.arpa."
UNUSED_ADDRESS = "10.0.0.200"  # in the network, no host's: NXDOMAIN with the reverse zone's SOA

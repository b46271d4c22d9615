# SPDX-License-Identifier: GPL-3.0-or-later
"""The connectivity section 2 of the spec asks for, written out by hand as
flows (docs/spec.md, tables 2.1 and 2.2, read with the scope rules of
fwcompile/POLICY.md). It is the lab's oracle and deliberately shares no code
with phx-fw: the compiler is judged against the spec, not against itself."""

import ipaddress

HYPERVISOR = "10.0.0.13"
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
UPLINK = "eno1"  # the LAN client's port: no guest's, so table bridge phx lets it be
NETWORK = ipaddress.ip_network("10.0.0.0/24")
ANY = None
# Not in the spec: the access the Proxmox firewall always gives the
# management network (the LAN, not the guests), which phx-fw's [management]
# keeps by default: SSH, the web UI, the consoles (VNC, SPICE proxy).
MANAGEMENT = {LAN_CLIENT}
MANAGEMENT_PORTS = [22, 8006, 3128] + list(range(5900, 6000))


class Flow:
    def __init__(self, sources, destinations, proto, port, why):
        self.sources = sources  # set of addresses, NETWORK, or ANY
        self.destinations = destinations
        self.proto = proto  # "tcp", "udp" or "any"
        self.port = port  # a number or ANY
        self.why = why

    @staticmethod
    def _holds(side, address):
        if side is ANY:
            return True
        if side is NETWORK:
            return ipaddress.ip_address(address) in NETWORK
        return address in side

    def admits(self, src, dst, proto, port):
        return (self._holds(self.sources, src) and self._holds(self.destinations, dst)
                and self.proto in ("any", proto) and self.port in (ANY, port))


G = GUESTS
SPEC_FLOWS = [
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
] + [Flow(MANAGEMENT, {HYPERVISOR}, "tcp", port, "[management] defaults") for port in MANAGEMENT_PORTS]

# Every port a row names, three of the management ports, and one nothing opens.
PORTS = sorted({80, 443, 53, 2049, 9000, 9443, 9001, 8000, 11434, 8081} | {22, 8006, 5900} | {8080})


def spec_admits(src, dst, proto, port):
    return any(flow.admits(src, dst, proto, port) for flow in SPEC_FLOWS)

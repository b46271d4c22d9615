# SPDX-License-Identifier: GPL-3.0-or-later
"""What the lab's hand-written oracles (spec_flows.py, workshop_flows.py)
write their expectations in: a flow per row of a rules file, read with the
scope rules of fwcompile/POLICY.md, and the first flow that matches a packet
decides, as the first row that matches does in phx-fw. It shares no code
with phx-fw on purpose: the compiler is judged against what a person wrote
down, not against itself."""

import ipaddress

ANY = None
MANAGEMENT_WHY = "[management] defaults"  # test_fw_graph_zone leaves these out of the picture


class Flow:
    def __init__(self, sources, destinations, proto, port, why, action="accept"):
        self.sources = sources  # a set of addresses, an ipaddress network, or ANY
        self.destinations = destinations
        self.proto = proto  # "tcp", "udp" or "any"
        self.port = port  # a number, a range() of them, or ANY
        self.why = why  # the row's comment
        self.action = action  # "accept", "drop" or "reject"

    @staticmethod
    def _holds(side, address):
        if side is ANY:
            return True
        if isinstance(side, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
            return ipaddress.ip_address(address) in side
        return address in side

    def matches(self, src, dst, proto, port):
        return (self._holds(self.sources, src) and self._holds(self.destinations, dst)
                and self.proto in ("any", proto)
                and (self.port is ANY or port == self.port or (isinstance(self.port, range) and port in self.port)))

    def admits(self, src, dst, proto, port):
        return self.action == "accept" and self.matches(src, dst, proto, port)


def first_match_admits(flows, src, dst, proto, port):
    """Whether the first of `flows` that matches accepts; nothing matching is a drop."""
    for flow in flows:
        if flow.matches(src, dst, proto, port):
            return flow.action == "accept"
    return False

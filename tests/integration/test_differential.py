# SPDX-License-Identifier: GPL-3.0-or-later
"""Differential test: NSD, Knot and BIND serve the same zone files; for
every query of the list below where all three give the same reply (rcode,
flags, EDNS, and every section), phx-dnsd must give exactly that reply.

Replies the three disagree on (BIND lower-cases owner names, version.bind,
ANY, ...) say nothing about correctness and are only counted."""

import itertools
import unittest
from contextlib import ExitStack

import dns.flags
import dns.message
import dns.query
import dns.rdataclass
import dns.rdatatype

from peers import Peer
from phxdns import LOCALHOST, MAIN_ZONE, TEST_ZONE, Dnsd

ZONES = [("internal.thinkheads.ai", MAIN_ZONE), ("phx.test", TEST_ZONE)]

PHX_NAMES = ["phx.test", "www", "WwW", "alias", "chain", "outside", "dangling", "loop1", "deep", "b.deep",
             "a.b.deep", "x.b.deep", "foo.wild", "a.b.wild", "explicit.wild", "x.explicit.wild", "*.wild",
             "x.wildalias", "sub", "host.sub", "ns1.sub", "_sip._tcp", "sip", "mx1", "ns2", "MixedCase",
             "mixedcase", "nosuch", "big", "huge"]
INTERNAL_NAMES = ["internal.thinkheads.ai", "nginx", "traefik", "ca", "portainer", "portainer-agent",
                  "granite-embedding", "granite-3b", "ollama", "llamacpp", "ns1", "nosuch", "a.b.nosuch",
                  "TrAeFiK"]
OUTSIDE_NAMES = ["example.com.", "thinkheads.ai.", ".", "test.", "internal.thinkheads.ai.evil."]
TYPES = ["A", "AAAA", "TXT", "MX", "NS", "SOA", "CNAME", "SRV", "DS", "PTR", "TYPE65280"]


def fqdn(name, origin):
    if name.endswith("."):
        return name
    return f"{name}." if name.lower().endswith(origin) else f"{name}.{origin}."


def queries():
    """(label, dnspython message, use_tcp) for every case."""
    cases = []
    names = [fqdn(n, "phx.test") for n in PHX_NAMES] + [fqdn(n, "internal.thinkheads.ai") for n in INTERNAL_NAMES]
    for name, rdtype in itertools.product(names, TYPES):
        cases.append((name, rdtype, {"use_edns": False}, False))
    for name, rdtype in itertools.product(names, ["A", "TXT", "NS"]):
        cases.append((name, rdtype, {"use_edns": 0, "payload": 1232}, False))
        cases.append((name, rdtype, {"use_edns": 0, "payload": 4096, "want_dnssec": True}, True))
    for name in OUTSIDE_NAMES:
        cases.append((name, "A", {"use_edns": 0}, False))
    for size in (512, 600, 1232, 4096):
        cases.append(("big.phx.test.", "A", {"use_edns": 0, "payload": size}, False))
        cases.append(("huge.phx.test.", "TXT", {"use_edns": 0, "payload": size}, False))
    cases.append(("huge.phx.test.", "TXT", {"use_edns": False}, True))
    cases.append(("www.phx.test.", "A", {"use_edns": 1}, False))  # BADVERS
    cases.append(("www.phx.test.", "A", {"use_edns": 0, "ednsflags": 0x7fff}, False))  # unknown flags
    out = []
    for name, rdtype, edns, tcp in cases:
        for rd in (False, True):
            q = dns.message.make_query(name, rdtype, **edns)
            if not rd:
                q.flags &= ~dns.flags.RD
            out.append((f"{name} {rdtype} {edns} {'tcp' if tcp else 'udp'} rd={int(rd)}", q, tcp))
    for name in ("www.phx.test.", "nginx.internal.thinkheads.ai."):
        q = dns.message.make_query(name, "A", rdclass=dns.rdataclass.CH)
        out.append((f"{name} A class CH", q, False))
    return out


def normalise(reply):
    """A comparable summary of a reply: everything but the ID."""
    def section(rrsets):
        return sorted((r.name.to_text(), r.ttl, dns.rdataclass.to_text(r.rdclass), dns.rdatatype.to_text(r.rdtype),
                       tuple(sorted(x.to_text() for x in r))) for r in rrsets)
    if reply is None:
        return None
    return (reply.rcode(), reply.opcode(), dns.flags.to_text(reply.flags), reply.edns, reply.ednsflags,
            reply.payload if reply.edns >= 0 else 0, section(reply.answer), section(reply.authority),
            section(reply.additional))


def ask(port, query, tcp):
    send = dns.query.tcp if tcp else dns.query.udp
    try:
        return send(query, LOCALHOST, port=port, timeout=2)
    except dns.exception.Timeout:
        return None


class DifferentialTest(unittest.TestCase):
    def test_phx_dnsd_answers_like_nsd_knot_and_bind_where_they_agree(self):
        with ExitStack() as stack:
            peers = [stack.enter_context(Peer(name, ZONES)) for name in ("nsd", "knot", "bind")]
            phx = stack.enter_context(Dnsd())
            cases = queries()
            agreed, mismatches = 0, []
            disagreements = 0
            for label, query, tcp in cases:
                peer_replies = [normalise(ask(p.port, query, tcp)) for p in peers]
                if peer_replies[0] is None or peer_replies.count(peer_replies[0]) != len(peers):
                    disagreements += 1
                    continue
                agreed += 1
                ours = normalise(ask(phx.port, query, tcp))
                if ours != peer_replies[0]:
                    mismatches.append(f"{label}\n    peers: {peer_replies[0]}\n    phx:   {ours}")
        print(f"\n{len(cases)} queries: NSD, Knot and BIND agree on {agreed}, disagree on {disagreements}; "
              f"phx-dnsd differs from their common reply on {len(mismatches)}")
        self.assertEqual(mismatches, [], "\n".join(mismatches[:30]))
        self.assertGreater(agreed, len(cases) // 2, "too few agreed replies for the comparison to mean much")


if __name__ == "__main__":
    unittest.main()

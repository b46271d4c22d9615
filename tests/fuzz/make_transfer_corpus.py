#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes tests/fuzz/corpus/transfer/: fuzz_transfer's seeds, the requests
dnsd/xfr answers (AXFR, IXFR, signed queries; signed with the target's key
at its fixed clock, with a key it does not know, with EDNS) and a reply to
its NOTIFY. Run it again after changing them; the files are committed."""

import os
import time

import dns.message
import dns.opcode
import dns.rdatatype
import dns.rrset
import dns.tsig

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "transfer")
NOW = 1700000000  # fuzz_transfer's clock
KEY = dns.tsig.Key("xfr-key", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "hmac-sha256")
STRANGER = dns.tsig.Key("stranger", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", "hmac-sha256")


def query(name, rdtype, serial=None, key=None, edns=False):
    q = dns.message.make_query(name, rdtype, use_edns=0 if edns else None)
    if serial is not None:
        q.authority.append(dns.rrset.from_text(name, 0, "IN", "SOA", f". . {serial} 0 0 0 0"))
    if key:
        q.use_tsig(key)
    real = time.time
    time.time = lambda: NOW
    try:
        return q.to_wire()
    finally:
        time.time = real


def notify_reply():
    q = dns.message.make_query("xfr.test.", "SOA")
    q.set_opcode(dns.opcode.NOTIFY)
    q.id = 0x4242
    return dns.message.make_response(q).to_wire()


SEEDS = {
    "axfr": query("phx.test.", "AXFR"),
    "axfr_signed": query("phx.test.", "AXFR", key=KEY),
    "axfr_signed_edns": query("phx.test.", "AXFR", key=KEY, edns=True),
    "axfr_unknown_key": query("phx.test.", "AXFR", key=STRANGER),
    "ixfr_signed_from_1": query("xfr.test.", "IXFR", serial=1, key=KEY),
    "ixfr_from_0": query("xfr.test.", "IXFR", serial=0),
    "ixfr_current": query("xfr.test.", "IXFR", serial=2, key=KEY),
    "soa_signed": query("phx.test.", "SOA", key=KEY),
    "notify_reply": notify_reply(),
}

if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    for name, wire in SEEDS.items():
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(wire)

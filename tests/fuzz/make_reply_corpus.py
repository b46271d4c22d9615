#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes tests/fuzz/corpus/reply/: upstream replies as fuzz_reply's seeds,
one per shape the scrubber must handle (poisoned chains into our zone,
DNAME, negative answers with foreign SOAs, out-of-bailiwick authority and
additional data, top-bit TTLs, DNSSEC records, a large TXT set). Run it
again after changing the shapes; the files are committed."""

import os

import dns.flags
import dns.message
import dns.rrset

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "reply")
SOA = "{} 300 SOA ns.{} host.{} 1 3600 900 86400 60"

SHAPES = {
    "poisoned_cname": ("chain1.example.com", "A", 0,
                       ["chain1.example.com. 300 CNAME traefik.internal.thinkheads.ai.",
                        "traefik.internal.thinkheads.ai. 300 A 6.6.6.6"],
                       ["internal.thinkheads.ai. 300 NS ns.evil.test."], ["ns.evil.test. 300 A 6.6.6.6"]),
    "long_chain": ("a.example.com", "AAAA", 0,
                   ["a.example.com. 300 CNAME b.example.net.", "b.example.net. 300 CNAME c.example.org.",
                    "c.example.org. 300 AAAA 2001:db8::1", "c.example.org. 300 AAAA 2001:db8::2"], [], []),
    "dname": ("x.evil.example.com", "A", 0,
              ["evil.example.com. 300 DNAME internal.thinkheads.ai.",
               "x.evil.example.com. 300 CNAME x.internal.thinkheads.ai.",
               "x.internal.thinkheads.ai. 300 A 6.6.6.6"], [], []),
    "nxdomain_soa": ("nosuch.example.com", "A", 3, [],
                     [SOA.format("example.com.", "example.com.", "example.com."),
                      SOA.format("internal.thinkheads.ai.", "evil.test.", "evil.test."),
                      "internal.thinkheads.ai. 300 NS ns.evil.test.",
                      "nosuch.example.com. 300 NSEC z.example.com. A RRSIG NSEC"],
                     ["ns.evil.test. 300 A 6.6.6.6"]),
    "nodata_after_cname": ("alias.example.com", "MX", 0, ["alias.example.com. 300 CNAME www.example.net."],
                           [SOA.format("example.net.", "example.net.", "example.net.")], []),
    "positive_with_extras": ("www.example.com", "A", 0,
                             ["www.example.com. 300 A 192.0.2.1", "unrelated.example.org. 300 A 6.6.6.6"],
                             ["example.com. 300 NS ns.example.com."], ["ns.example.com. 300 A 192.0.2.53"]),
    "top_bit_ttls": ("ttl.example.com", "A", 0,
                     ["ttl.example.com. 4294967295 A 192.0.2.2", "ttl.example.com. 2147483647 A 192.0.2.3"],
                     [], []),
    "mx_srv_names": ("example.com", "MX", 0,
                     ["example.com. 300 MX 10 mail.example.com.", "example.com. 300 MX 20 mail.internal.thinkheads.ai."],
                     [], ["mail.example.com. 300 A 192.0.2.25"]),
    "cname_loop": ("l1.example.com", "A", 0,
                   ["l1.example.com. 300 CNAME l2.example.com.", "l2.example.com. 300 CNAME l1.example.com."], [], []),
    "our_own_name": ("traefik.internal.thinkheads.ai", "A", 0,
                     ["traefik.internal.thinkheads.ai. 300 A 6.6.6.6"], [], []),
    "rrsig": ("signed.example.com", "A", 0,
              ["signed.example.com. 300 A 192.0.2.7",
               "signed.example.com. 300 RRSIG A 13 3 300 20300101000000 20200101000000 1 example.com. AAAA"],
              [], []),
    "many_txt": ("txt.example.com", "TXT", 0, [f'txt.example.com. 300 TXT "{i:03}"' for i in range(300)], [], []),
}


def main():
    os.makedirs(HERE, exist_ok=True)
    for name, (qname, qtype, rcode, answer, authority, additional) in SHAPES.items():
        query = dns.message.make_query(qname, qtype, want_dnssec=True)
        reply = dns.message.make_response(query)
        reply.flags |= dns.flags.RA
        reply.set_rcode(rcode)
        for section, records in ((reply.answer, answer), (reply.authority, authority),
                                 (reply.additional, additional)):
            for text in records:
                owner, ttl, rdtype, rdata = text.split(None, 3)
                section.append(dns.rrset.from_text(owner, int(ttl), "IN", rdtype, rdata))
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(reply.to_wire(max_size=65535))


if __name__ == "__main__":
    main()

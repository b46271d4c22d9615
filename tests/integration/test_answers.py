# SPDX-License-Identifier: GPL-3.0-or-later
"""Authoritative answers over real UDP and TCP sockets: AA, case, negative
answers with SOA, CNAME, wildcards, referrals, REFUSED and ANY."""

import unittest

import dns.flags
import dns.rcode
import dns.rdatatype

from phxdns import SharedServerTest, parse, raw_query, rrsets

TRANSPORTS = ("udp", "tcp")


class AnswerTests(SharedServerTest):
    def ask(self, name, rdtype, transport, **kw):
        return self.server.query(name, rdtype, tcp=(transport == "tcp"), **kw)

    def test_spec_names_answer_10_0_0_153_with_aa(self):
        names = ["nginx", "traefik", "ca", "portainer", "portainer-agent", "granite-embedding",
                 "granite-3b", "ollama", "llamacpp"]
        for t in TRANSPORTS:
            for n in names:
                r = self.ask(f"{n}.internal.thinkheads.ai", "A", t)
                self.assertEqual(r.rcode(), dns.rcode.NOERROR)
                self.assertTrue(r.flags & dns.flags.AA, n)
                self.assertEqual(rrsets(r.answer), {(f"{n}.internal.thinkheads.ai.", "A"): ["10.0.0.153"]})
            ns1 = self.ask("ns1.internal.thinkheads.ai", "A", t)
            self.assertEqual(rrsets(ns1.answer), {("ns1.internal.thinkheads.ai.", "A"): ["10.0.0.13"]})

    def test_question_is_echoed_byte_for_byte_and_owner_follows_query_case(self):
        query = raw_query("TrAeFiK.InTeRnAl.ThInKhEaDs.Ai")
        for reply in (self.server.raw_udp(query), self.server.raw_tcp(query)):
            self.assertIsNotNone(reply)
            self.assertEqual(reply[12:len(query)], query[12:])
            r = parse(reply)
            self.assertEqual(r.answer[0].name.to_text(), "TrAeFiK.InTeRnAl.ThInKhEaDs.Ai.")

    def test_nodata_is_noerror_with_soa_and_negative_ttl(self):
        for t in TRANSPORTS:
            r = self.ask("traefik.internal.thinkheads.ai", "AAAA", t)
            self.assertEqual(r.rcode(), dns.rcode.NOERROR)
            self.assertTrue(r.flags & dns.flags.AA)
            self.assertEqual(r.answer, [])
            self.assertEqual(len(r.authority), 1)
            soa = r.authority[0]
            self.assertEqual(soa.rdtype, dns.rdatatype.SOA)
            self.assertEqual(soa.ttl, 300)  # min(SOA TTL 300, MINIMUM 300)
            # phx.test: SOA TTL 3600, MINIMUM 600 -> 600 (RFC 2308 section 5)
            self.assertEqual(self.ask("mx1.phx.test", "AAAA", t).authority[0].ttl, 600)

    def test_nxdomain_carries_the_soa(self):
        for t in TRANSPORTS:
            r = self.ask("nosuch.internal.thinkheads.ai", "A", t)
            self.assertEqual(r.rcode(), dns.rcode.NXDOMAIN)
            self.assertTrue(r.flags & dns.flags.AA)
            self.assertEqual(r.answer, [])
            self.assertEqual([(x.name.to_text(), x.rdtype) for x in r.authority],
                             [("internal.thinkheads.ai.", dns.rdatatype.SOA)])

    def test_empty_non_terminal_is_nodata_not_nxdomain(self):
        for t in TRANSPORTS:
            for name in ("deep.phx.test", "b.deep.phx.test"):
                r = self.ask(name, "A", t)
                self.assertEqual(r.rcode(), dns.rcode.NOERROR, name)
                self.assertEqual(r.answer, [])
                self.assertEqual(r.authority[0].rdtype, dns.rdatatype.SOA)
            self.assertEqual(self.ask("z.b.deep.phx.test", "A", t).rcode(), dns.rcode.NXDOMAIN)

    def test_cname_is_followed_inside_the_zone(self):
        for t in TRANSPORTS:
            r = self.ask("chain.phx.test", "A", t)
            self.assertEqual(rrsets(r.answer), {
                ("chain.phx.test.", "CNAME"): ["alias.phx.test."],
                ("alias.phx.test.", "CNAME"): ["www.phx.test."],
                ("www.phx.test.", "A"): ["192.0.2.10"],
            })
            self.assertEqual([x.name.to_text() for x in r.answer],
                             ["chain.phx.test.", "alias.phx.test.", "www.phx.test."])
            self.assertTrue(r.flags & dns.flags.AA)
            out = self.ask("outside.phx.test", "A", t)
            self.assertEqual(rrsets(out.answer), {("outside.phx.test.", "CNAME"): ["www.example.com."]})
            dangling = self.ask("dangling.phx.test", "A", t)
            self.assertEqual(dangling.rcode(), dns.rcode.NXDOMAIN)  # RFC 6604
            self.assertEqual(len(dangling.answer), 1)
            self.assertEqual(dangling.authority[0].rdtype, dns.rdatatype.SOA)
            loop = self.ask("loop1.phx.test", "A", t)
            self.assertEqual(len(loop.answer), 2)  # the loop ends, it is not followed forever

    def test_wildcards_synthesise_the_query_name(self):
        for t in TRANSPORTS:
            r = self.ask("Some.Host.wild.phx.test", "A", t)
            self.assertEqual(rrsets(r.answer), {("Some.Host.wild.phx.test.", "A"): ["192.0.2.30"]})
            self.assertTrue(r.flags & dns.flags.AA)
            self.assertEqual(rrsets(self.ask("explicit.wild.phx.test", "A", t).answer),
                             {("explicit.wild.phx.test.", "A"): ["192.0.2.31"]})
            nodata = self.ask("explicit.wild.phx.test", "TXT", t)
            self.assertEqual((nodata.rcode(), nodata.answer), (dns.rcode.NOERROR, []))
            self.assertEqual(self.ask("x.explicit.wild.phx.test", "A", t).rcode(), dns.rcode.NXDOMAIN)
            via = self.ask("x.wildalias.phx.test", "A", t)
            self.assertEqual(rrsets(via.answer), {("x.wildalias.phx.test.", "CNAME"): ["www.phx.test."],
                                                  ("www.phx.test.", "A"): ["192.0.2.10"]})

    def test_delegation_is_a_referral_with_glue_and_aa_clear(self):
        for t in TRANSPORTS:
            for name in ("sub.phx.test", "host.sub.phx.test"):
                r = self.ask(name, "A", t)
                self.assertEqual(r.rcode(), dns.rcode.NOERROR)
                self.assertFalse(r.flags & dns.flags.AA)
                self.assertEqual(r.answer, [])
                self.assertEqual(rrsets(r.authority), {("sub.phx.test.", "NS"):
                                                       ["ns.elsewhere.example.", "ns1.sub.phx.test."]})
                self.assertEqual(rrsets(r.additional), {("ns1.sub.phx.test.", "A"): ["192.0.2.40"]})

    def test_names_outside_every_zone_are_refused_without_aa(self):
        for t in TRANSPORTS:
            for name in ("example.com", "thinkheads.ai", "."):
                r = self.ask(name, "A", t)
                self.assertEqual(r.rcode(), dns.rcode.REFUSED, name)
                self.assertFalse(r.flags & dns.flags.AA)
                self.assertEqual((r.answer, r.authority), ([], []))

    def test_any_returns_one_rrset_over_udp_and_is_never_empty(self):
        r = self.ask("www.phx.test", "ANY", "udp")
        self.assertEqual(len(r.answer), 1)
        self.assertTrue(r.flags & dns.flags.AA)
        for name in ("internal.thinkheads.ai", "traefik.internal.thinkheads.ai", "chain.phx.test"):
            for t in TRANSPORTS:
                self.assertGreaterEqual(len(self.ask(name, "ANY", t).answer), 1, name)
        self.assertEqual(len(self.ask("www.phx.test", "ANY", "tcp").answer), 3)

    def test_ns_mx_srv_answers_carry_addresses_in_additional(self):
        r = self.ask("internal.thinkheads.ai", "NS", "udp")
        self.assertEqual(rrsets(r.answer), {("internal.thinkheads.ai.", "NS"): ["ns1.internal.thinkheads.ai."]})
        self.assertEqual(rrsets(r.additional), {("ns1.internal.thinkheads.ai.", "A"): ["10.0.0.13"]})
        mx = self.ask("phx.test", "MX", "udp")
        self.assertEqual(rrsets(mx.additional), {("mx1.phx.test.", "A"): ["192.0.2.25"]})

    def test_soa_query_answers_the_apex_soa(self):
        r = self.ask("internal.thinkheads.ai", "SOA", "udp")
        self.assertEqual(len(r.answer), 1)
        self.assertEqual(r.answer[0][0].serial, 2026112501)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""Forwarded answers are scrubbed before a client sees them: a scripted
upstream forges records for our own zone, adds out-of-bailiwick authority
and additional records, and sends huge and top-bit TTLs; phx-dnsd must cut
chains at our zone (and answer the target itself), keep only the question's
zone's SOA in negative answers, and cap every TTL it serves."""

import os
import unittest

import dns.flags
import dns.rcode
import dns.rdatatype

from fake_upstream import FakeUpstream, ask, metric, reply_with, scrape
from phxdns import MAIN_ZONE, Dnsd, free_port, write_config

SOA_EXAMPLE = "example.com. {} SOA ns.example.com. host.example.com. 1 3600 900 86400 {}"
EVIL_NS = "internal.thinkheads.ai. 300 NS ns.evil.test."
EVIL_GLUE = "ns.evil.test. 300 A 6.6.6.6"
FORGED = "traefik.internal.thinkheads.ai. 300 A 6.6.6.6"

# The upstream's script: qname -> (rcode, answer, authority, additional).
SCRIPT = {
    "chain1.example.com.": (0, ["chain1.example.com. 300 CNAME traefik.internal.thinkheads.ai.", FORGED],
                            [EVIL_NS], [EVIL_GLUE]),
    "chain2.example.com.": (0, ["chain2.example.com. 300 CNAME mid.example.net.",
                                "mid.example.net. 300 CNAME nosuch.internal.thinkheads.ai.",
                                "nosuch.internal.thinkheads.ai. 300 A 6.6.6.6"], [], []),
    "traefik.evil.example.com.": (0, ["evil.example.com. 300 DNAME internal.thinkheads.ai.",
                                      "traefik.evil.example.com. 300 CNAME traefik.internal.thinkheads.ai.",
                                      FORGED], [], []),
    "nxd.example.com.": (3, [], [SOA_EXAMPLE.format(300, 60),
                                 "internal.thinkheads.ai. 300 SOA ns.evil.test. h.evil.test. 1 2 3 4 5", EVIL_NS],
                         [EVIL_GLUE]),
    "www.example.com.": (0, ["www.example.com. 300 A 192.0.2.1", "other.example.org. 300 A 6.6.6.6"],
                         ["example.com. 300 NS ns.example.com.", EVIL_NS],
                         ["ns.example.com. 300 A 192.0.2.53", FORGED]),
    "ttl-max.example.com.": (0, ["ttl-max.example.com. 4294967295 A 192.0.2.2"], [], []),
    "ttl-top.example.com.": (0, ["ttl-top.example.com. 2147483648 A 192.0.2.3"], [], []),
    "ttl-big.example.com.": (0, ["ttl-big.example.com. 2147483647 A 192.0.2.4"], [], []),
    "ttl-day.example.com.": (0, ["ttl-day.example.com. 86400 A 192.0.2.5"], [], []),
    "nx-top.example.com.": (3, [], [SOA_EXAMPLE.format(4294967295, 4294967295)], []),
    "nx-big.example.com.": (3, [], [SOA_EXAMPLE.format(2147483647, 2147483647)], []),
}


def scripted(query, raw, tcp):
    rcode, answer, authority, additional = SCRIPT.get(query.question[0].name.to_text().lower(), (5, [], [], []))
    return reply_with(query, answer, authority, additional, rcode)


class ScrubTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream(scripted).__enter__()
        cls.metrics_port = free_port()
        cls.config = write_config(f'[forward]\nupstreams = ["{cls.upstream.address}"]\n'
                                  'max_ttl = 3600\nmax_negative_ttl = 600\n'
                                  f'[metrics]\nlisten = "127.0.0.1:{cls.metrics_port}"\n')
        cls.server = Dnsd(config=cls.config, zones=(MAIN_ZONE,)).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.upstream.__exit__()
        os.unlink(cls.config)

    def assert_nothing_forged(self, reply):
        text = reply.to_text()
        self.assertNotIn("6.6.6.6", text)
        self.assertNotIn("evil", text.replace("evil.example.com", ""))

    def test_a_cname_into_our_zone_is_cut_and_the_target_is_answered_by_us(self):
        before = metric(scrape(self.metrics_port), "phx_dnsd_chains_cut_total")
        for tcp in (False, True, False):  # the last one comes from the cache
            r = ask(self.server.port, "chain1.example.com", tcp=tcp)
            self.assertEqual(r.rcode(), dns.rcode.NOERROR)
            self.assertEqual([(x.name.to_text(), x.rdtype) for x in r.answer],
                             [("chain1.example.com.", dns.rdatatype.CNAME)])
            self.assertEqual(str(r.answer[0][0]), "traefik.internal.thinkheads.ai.")
            self.assertEqual((r.authority, r.additional), ([], []))
            self.assert_nothing_forged(r)
        target = ask(self.server.port, "traefik.internal.thinkheads.ai")
        self.assertEqual(str(target.answer[0][0]), "10.0.0.153")
        self.assertTrue(target.flags & dns.flags.AA)
        # Cut once, on the way in: the TCP and the third answers came from the cache.
        self.assertEqual(metric(scrape(self.metrics_port), "phx_dnsd_chains_cut_total") - before, 1)

    def test_a_longer_chain_and_a_dname_are_cut_at_the_first_name_in_our_zone(self):
        r = ask(self.server.port, "chain2.example.com")
        self.assertEqual([x.name.to_text() for x in r.answer], ["chain2.example.com.", "mid.example.net."])
        self.assertEqual(str(r.answer[1][0]), "nosuch.internal.thinkheads.ai.")
        self.assert_nothing_forged(r)
        self.assertEqual(ask(self.server.port, "nosuch.internal.thinkheads.ai").rcode(), dns.rcode.NXDOMAIN)
        d = ask(self.server.port, "traefik.evil.example.com")
        self.assertEqual(sorted((x.name.to_text(), dns.rdatatype.to_text(x.rdtype)) for x in d.answer),
                         [("evil.example.com.", "DNAME"), ("traefik.evil.example.com.", "CNAME")])
        self.assert_nothing_forged(d)

    def test_out_of_bailiwick_authority_and_additional_records_are_dropped(self):
        nx = ask(self.server.port, "nxd.example.com")
        self.assertEqual(nx.rcode(), dns.rcode.NXDOMAIN)
        self.assertEqual([(x.name.to_text(), dns.rdatatype.to_text(x.rdtype)) for x in nx.authority],
                         [("example.com.", "SOA")])
        self.assertEqual(nx.additional, [])
        self.assert_nothing_forged(nx)
        www = ask(self.server.port, "www.example.com")
        self.assertEqual([str(x[0]) for x in www.answer], ["192.0.2.1"])
        self.assertEqual((www.authority, www.additional), ([], []))
        self.assert_nothing_forged(www)
        self.assertGreaterEqual(metric(scrape(self.metrics_port), "phx_dnsd_scrubbed_records_total"), 7)

    def test_huge_and_top_bit_ttls_are_capped_when_served(self):
        # 4294967295 and 2147483648 have the top bit set: 0 (RFC 2181 §8).
        expected = {"ttl-max.example.com": 0, "ttl-top.example.com": 0, "ttl-big.example.com": 3600,
                    "ttl-day.example.com": 3600}
        for name, ttl in expected.items():
            for tcp in (False, True):
                r = ask(self.server.port, name, tcp=tcp)
                self.assertLessEqual(r.answer[0].ttl, ttl, name)
                self.assertGreaterEqual(r.answer[0].ttl, max(ttl - 2, 0), name)
        print(f"\nserved TTLs: upstream 4294967295 -> "
              f"{ask(self.server.port, 'ttl-max.example.com').answer[0].ttl}, 2147483648 -> "
              f"{ask(self.server.port, 'ttl-top.example.com').answer[0].ttl}, 2147483647 -> "
              f"{ask(self.server.port, 'ttl-big.example.com').answer[0].ttl}, 86400 -> "
              f"{ask(self.server.port, 'ttl-day.example.com').answer[0].ttl} (max_ttl 3600)")

    def test_negative_answers_soa_ttl_is_capped_and_top_bit_counts_as_zero(self):
        top = ask(self.server.port, "nx-top.example.com")
        self.assertEqual(top.rcode(), dns.rcode.NXDOMAIN)
        self.assertEqual(top.authority[0].ttl, 0)
        big = ask(self.server.port, "nx-big.example.com")
        self.assertLessEqual(big.authority[0].ttl, 600)
        self.assertGreaterEqual(big.authority[0].ttl, 598)


if __name__ == "__main__":
    unittest.main()

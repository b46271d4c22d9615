# SPDX-License-Identifier: GPL-3.0-or-later
"""EDNS(0) (RFC 6891) and message size limits over real sockets: OPT exactly
when asked, our advertised size, BADVERS, FORMERR on two OPTs, flags, and
truncation that never splits an RRset, with the full answer over TCP."""

import unittest

import dns.flags
import dns.rcode

from phxdns import SharedServerTest, opt_record, parse, raw_query

DO = 0x8000


class EdnsTests(SharedServerTest):
    def both(self, query):
        """The UDP and TCP replies to the same bytes."""
        replies = [self.server.raw_udp(query), self.server.raw_tcp(query)]
        for r in replies:
            self.assertIsNotNone(r)
        return replies

    def test_opt_in_reply_exactly_when_the_query_had_one(self):
        for reply in self.both(raw_query("traefik.internal.thinkheads.ai")):
            self.assertEqual(parse(reply).edns, -1)
        for reply in self.both(raw_query("traefik.internal.thinkheads.ai", arcount=1, additional=opt_record(4096))):
            r = parse(reply)
            self.assertEqual(r.edns, 0)
            self.assertEqual(r.payload, 1232)  # our configured size, not the client's
        refused = self.server.raw_udp(raw_query("example.com", arcount=1, additional=opt_record()))
        self.assertEqual(parse(refused).edns, 0)

    def test_version_above_zero_gets_badvers_with_opt(self):
        for reply in self.both(raw_query("traefik.internal.thinkheads.ai", arcount=1,
                                         additional=opt_record(1232, version=1))):
            r = parse(reply)
            self.assertEqual(r.rcode(), dns.rcode.BADVERS)
            self.assertEqual(r.edns, 0)  # the highest version we support
            self.assertEqual(r.answer, [])

    def test_two_opt_records_are_formerr(self):
        q = raw_query("traefik.internal.thinkheads.ai", arcount=2, additional=opt_record() + opt_record())
        for reply in self.both(q):
            self.assertEqual(parse(reply).rcode(), dns.rcode.FORMERR)

    def test_do_is_echoed_and_unknown_flags_are_not(self):
        for flags, expected in ((DO, DO), (DO | 0x0101, DO), (0x4000, 0)):
            q = raw_query("traefik.internal.thinkheads.ai", arcount=1, additional=opt_record(flags=flags))
            for reply in self.both(q):
                self.assertEqual(parse(reply).ednsflags, expected, hex(flags))

    def test_opt_with_a_malformed_option_is_formerr(self):
        bad = opt_record(rdata=b"\x00\x0a\x00\x08\x01\x02")  # option claims 8 bytes, has 2
        reply = self.server.raw_udp(raw_query("traefik.internal.thinkheads.ai", arcount=1, additional=bad))
        self.assertEqual(parse(reply).rcode(), dns.rcode.FORMERR)

    def test_udp_limit_is_512_without_edns(self):
        reply = self.server.raw_udp(raw_query("big.phx.test"))  # 60 A records, about 1 KB
        self.assertLessEqual(len(reply), 512)
        r = parse(reply)
        self.assertTrue(r.flags & dns.flags.TC)
        self.assertEqual(r.answer, [])  # never a partial RRset

    def test_udp_limit_is_the_smaller_of_client_and_server_size(self):
        def big(size):
            return self.server.raw_udp(raw_query("big.phx.test", arcount=1, additional=opt_record(size)))
        fits = parse(big(4096))
        self.assertFalse(fits.flags & dns.flags.TC)
        self.assertEqual(len(fits.answer[0]), 60)
        small = big(600)
        self.assertLessEqual(len(small), 600)
        self.assertTrue(parse(small).flags & dns.flags.TC)
        tiny = big(100)  # below 512 counts as 512
        self.assertLessEqual(len(tiny), 512)
        self.assertGreater(len(raw_query("big.phx.test")), 0)
        huge = self.server.raw_udp(raw_query("huge.phx.test", qtype=16, arcount=1, additional=opt_record(65000)))
        self.assertLessEqual(len(huge), 1232)  # capped by our edns_udp_size
        r = parse(huge)
        self.assertTrue(r.flags & dns.flags.TC)
        self.assertEqual(r.answer, [])
        self.assertEqual(r.edns, 0)  # truncation keeps the OPT record

    def test_truncated_answer_is_complete_over_tcp(self):
        reply = self.server.raw_tcp(raw_query("huge.phx.test", qtype=16, arcount=1, additional=opt_record(1232)))
        r = parse(reply)
        self.assertFalse(r.flags & dns.flags.TC)
        self.assertEqual(len(r.answer[0]), 12)
        self.assertGreater(len(reply), 2400)


if __name__ == "__main__":
    unittest.main()

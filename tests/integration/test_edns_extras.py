# SPDX-License-Identifier: GPL-3.0-or-later
"""NSID (RFC 5001), DNS cookies (RFC 7873, 9018) and response rate limiting
over real loopback sockets, as an admin sees them: dig and kdig for NSID
and cookies, and bursts of UDP queries that show drops, TC=1 slips, a
valid cookie lifting the limit, and the counters moving on /metrics.

127.0.0.1 may recurse by default and so is never limited: these servers
set [forward] allow to a network the tests never use, which leaves
127.0.0.1 outside the allow list (forwarding itself stays off, as there
are no upstreams)."""

import os
import re
import socket
import subprocess
import time
import unittest

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode

from fake_upstream import metric, scrape
from phxdns import LOCALHOST, TEST_ZONE, Dnsd, free_port, write_config

NSID = "ns1.phx.test"
RATE = 5  # responses a second per bucket
CLIENT_COOKIE = bytes.fromhex("0102030405060708")


def dig(server, *args, client="dig"):
    """dig or kdig against the server, over UDP unless +tcp is passed."""
    cmd = [client, f"@{LOCALHOST}", "-p", str(server.port), "+norec", "+time=1", "+retry=2", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed: {out.stdout}{out.stderr}")
    return out.stdout


def status(output):
    return re.search(r"status: (\w+)", output).group(1)


def cookie_of(output):
    """The COOKIE option of a dig or kdig reply, in lower-case hex; None if absent."""
    match = re.search(r"COOKIE: ([0-9A-Fa-f]+)", output)
    return match.group(1).lower() if match else None


def query(name, cookie=None, nsid=False, qid=0):
    """A query with EDNS, and a COOKIE option if `cookie` (bytes) is given."""
    options = []
    if cookie is not None:
        options.append(dns.edns.GenericOption(dns.edns.COOKIE, cookie))
    if nsid:
        options.append(dns.edns.GenericOption(dns.edns.NSID, b""))
    q = dns.message.make_query(name, "A", use_edns=0, options=options)
    q.flags &= ~dns.flags.RD
    q.id = qid
    return q


def burst(server, q, count):
    """Sends `count` copies of the query (ids 0..count-1) as fast as the
    socket takes them, then reads replies until none has come for half a
    second. Returns the parsed replies by id; a missing id was dropped."""
    replies = {}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(count):
            q.id = i
            s.sendto(q.to_wire(), (LOCALHOST, server.port))
        s.settimeout(0.5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                data = s.recv(65535)
            except socket.timeout:
                break
            r = dns.message.from_wire(data)
            replies[r.id] = r
    return replies


def option(reply, code):
    """The data of the reply's EDNS option `code`; None if absent."""
    for o in reply.options:
        if o.otype == code:
            return o.to_wire()
    return None


class LimitedServerTest(unittest.TestCase):
    """One phx-dnsd with an NSID, cookies and a rate limit of `rate`/s for
    127.0.0.1 (outside its allow list), and its metrics endpoint."""

    extra_args = ()
    rate = RATE

    @classmethod
    def setUpClass(cls):
        cls.metrics_port = free_port()
        cls.config = write_config(
            f'[server]\nnsid = "{NSID}"\n'
            '[forward]\nallow = ["192.0.2.0/24"]\n'
            f'[rate_limit]\nresponses_per_second = {cls.rate}\n'
            f'[metrics]\nlisten = "{LOCALHOST}:{cls.metrics_port}"\n')
        cls.server = Dnsd(*cls.extra_args, zones=(TEST_ZONE,), config=cls.config).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        os.unlink(cls.config)

    def counters(self):
        text = scrape(self.metrics_port)
        names = {
            "new": 'phx_dnsd_cookies_total{result="new"}',
            "valid": 'phx_dnsd_cookies_total{result="valid"}',
            "invalid": 'phx_dnsd_cookies_total{result="invalid"}',
            "malformed": 'phx_dnsd_cookies_total{result="malformed"}',
            "issued": "phx_dnsd_cookies_issued_total",
            "dropped": "phx_dnsd_rrl_dropped_total",
            "slipped": "phx_dnsd_rrl_slipped_total",
        }
        for series in names.values():
            self.assertRegex(text, rf"(?m)^{re.escape(series)} \d+$")  # present even at 0
        return {k: metric(text, series) for k, series in names.items()}

    def delta(self, before):
        after = self.counters()
        return {k: after[k] - before[k] for k in before}


class NsidAndCookieTests(LimitedServerTest):
    # dig's queries from 127.0.0.1 are rate-limited too, at a rate they
    # never reach: these tests are about the options, not the limit.
    rate = 1000

    def test_nsid_with_dig_and_kdig_only_when_asked(self):
        for client in ("dig", "kdig"):
            with self.subTest(client=client):
                out = dig(self.server, "+nsid", "ns1.phx.test", client=client)
                self.assertEqual(status(out), "NOERROR")
                self.assertIn(f'"{NSID}"', out)  # dig: ("ns1.phx.test"), kdig: "ns1.phx.test"
                self.assertNotIn("NSID", dig(self.server, "ns1.phx.test", client=client))
        for client in ("dig", "kdig"):  # over TCP too
            self.assertIn(f'"{NSID}"', dig(self.server, "+tcp", "+nsid", "ns2.phx.test", client=client))

    def test_optlist_as_isc_ednscomp_asks_it(self):
        # The EDNS compliance tester's "optlist": NSID, ECS, EXPIRE and a
        # COOKIE in one query; NSID and COOKIE come back, the rest is ignored.
        out = dig(self.server, "+nsid", "+subnet=0.0.0.0/0", "+expire", "+cookie", "phx.test", "SOA")
        self.assertEqual(status(out), "NOERROR")
        self.assertIn(f'"{NSID}"', out)
        self.assertIn("(good)", out)
        self.assertNotIn("CLIENT-SUBNET", out)
        self.assertNotIn("EXPIRE", out)

    def test_dig_gets_a_server_cookie_and_it_is_good_when_sent_back(self):
        before = self.counters()
        first = dig(self.server, "+cookie", "mx1.phx.test")
        self.assertEqual(status(first), "NOERROR")
        cookie = cookie_of(first)
        self.assertIsNotNone(cookie, first)
        self.assertEqual(len(cookie), 48)  # client 8 + RFC 9018 server cookie 16 bytes
        self.assertEqual(cookie[16:18], "01")  # version 1
        self.assertIn("(good)", first)  # dig: our client cookie came back
        again = dig(self.server, f"+cookie={cookie}", "mx1.phx.test")
        self.assertEqual(status(again), "NOERROR")
        self.assertEqual(cookie_of(again), cookie)  # valid and young: echoed as it came
        d = self.delta(before)
        self.assertEqual(d["new"], 1)
        self.assertEqual(d["valid"], 1)
        self.assertEqual(d["issued"], 1)

    def test_kdig_cookie_round_trip(self):
        first = dig(self.server, "+cookie", "www.phx.test", client="kdig")
        cookie = cookie_of(first)
        self.assertEqual(len(cookie), 48, first)
        before = self.counters()
        again = dig(self.server, f"+cookie={cookie}", "www.phx.test", client="kdig")
        self.assertEqual(status(again), "NOERROR")
        self.assertEqual(cookie_of(again), cookie)
        self.assertEqual(self.delta(before)["valid"], 1)

    def test_a_bad_server_cookie_gets_a_fresh_one_not_badcookie(self):
        before = self.counters()
        forged = "0102030405060708" + "01000000" + f"{int(time.time()):08x}" + "00" * 8
        out = dig(self.server, f"+cookie={forged}", "alias.phx.test")
        self.assertEqual(status(out), "NOERROR")  # answered, no BADCOOKIE
        fresh = cookie_of(out)
        self.assertEqual(fresh[:16], forged[:16])
        self.assertNotEqual(fresh, forged)
        self.assertIn("(good)", out)
        # The fresh one is valid at once.
        self.assertEqual(cookie_of(dig(self.server, f"+cookie={fresh}", "alias.phx.test")), fresh)
        d = self.delta(before)
        self.assertEqual((d["invalid"], d["valid"], d["issued"]), (1, 1, 1))

    def test_a_query_without_a_question_gets_a_server_cookie(self):
        # RFC 7873 5.4, as BIND and Knot answer `dig +header-only +cookie`.
        out = dig(self.server, "+header-only", "+cookie")
        self.assertEqual(status(out), "NOERROR")
        self.assertIn("QUERY: 0, ANSWER: 0", out)
        self.assertEqual(len(cookie_of(out)), 48, out)
        self.assertIn("(good)", out)
        # Without a COOKIE it stays FORMERR, as any question count but 1.
        self.assertEqual(status(dig(self.server, "+header-only", "+nocookie")), "FORMERR")

    def test_a_cookie_of_a_forbidden_length_is_formerr(self):
        before = self.counters()
        for data in ("01020304050607", "010203040506070809", "01" * 41):  # 7, 9, 41 bytes
            out = dig(self.server, "+nocookie", f"+ednsopt=10:{data}", "chain.phx.test")
            self.assertEqual(status(out), "FORMERR", data)
        self.assertEqual(self.delta(before)["malformed"], 3)


class RateLimitTests(LimitedServerTest):
    def test_a_burst_is_limited_with_drops_and_tc_slips(self):
        before = self.counters()
        replies = burst(self.server, query("a.b.deep.phx.test"), 100)
        full = [r for r in replies.values() if not r.flags & dns.flags.TC]
        truncated = [r for r in replies.values() if r.flags & dns.flags.TC]
        # A full bucket holds one second's worth; the rest of the burst is
        # limited (the window keeps the bucket in debt, so no refill gets
        # through), and every second limited reply slips.
        self.assertEqual(len(full), RATE)
        for r in full:
            self.assertEqual(len(r.answer), 1)
        self.assertIn(len(truncated), (47, 48))
        for r in truncated:
            self.assertEqual(r.answer, [])
            self.assertEqual(r.rcode(), dns.rcode.NOERROR)
            self.assertEqual(r.question[0].name.to_text(), "a.b.deep.phx.test.")
        dropped = 100 - len(replies)
        self.assertGreater(dropped, 40)
        d = self.delta(before)
        self.assertEqual(d["dropped"], dropped)
        self.assertEqual(d["slipped"], len(truncated))

    def test_dig_gets_the_answer_over_tcp_after_a_slip(self):
        burst(self.server, query("ns2.phx.test"), 50)  # the bucket is in debt now
        out = dig(self.server, "ns2.phx.test", "A")
        # Over UDP the reply was dropped or slipped; dig retried and, on the
        # slip's TC, asked again over TCP, which is never limited.
        self.assertIn("Truncated, retrying in TCP mode", out)
        self.assertIn("192.0.2.2", out)

    def test_a_valid_cookie_lifts_the_limit(self):
        # A cookie fetched over TCP (never limited), then a burst with it.
        q = query("explicit.wild.phx.test", cookie=CLIENT_COOKIE)
        reply = dns.query.tcp(q, LOCALHOST, port=self.server.port, timeout=2)
        cookie = option(reply, dns.edns.COOKIE)
        self.assertEqual(len(cookie), 24)
        before = self.counters()
        replies = burst(self.server, query("explicit.wild.phx.test", cookie=cookie), 100)
        self.assertEqual(len(replies), 100)
        for r in replies.values():
            self.assertFalse(r.flags & dns.flags.TC)
            self.assertEqual(len(r.answer), 1)
        d = self.delta(before)
        self.assertEqual((d["valid"], d["dropped"], d["slipped"]), (100, 0, 0))
        # The same name without the cookie, from the same address, is limited.
        plain = burst(self.server, query("explicit.wild.phx.test"), 100)
        self.assertLess(len(plain), 100)

    def test_the_cookie_of_a_slipped_reply_lifts_the_limit(self):
        # What a real client behind a flood does: it takes the cookie from
        # the truncated reply and comes back with it over UDP.
        replies = burst(self.server, query("dangling.phx.test", cookie=CLIENT_COOKIE), 30)
        truncated = [r for r in replies.values() if r.flags & dns.flags.TC]
        self.assertTrue(truncated)
        cookie = option(truncated[0], dns.edns.COOKIE)
        self.assertEqual(len(cookie), 24)
        again = dns.query.udp(query("dangling.phx.test", cookie=cookie), LOCALHOST,
                              port=self.server.port, timeout=2)
        self.assertFalse(again.flags & dns.flags.TC)
        self.assertEqual(again.answer[0].name.to_text(), "dangling.phx.test.")


class SlipZeroTests(LimitedServerTest):
    """--rate-limit-slip 0 on the command line: every limited reply is dropped."""

    extra_args = ("--rate-limit-slip", "0")

    def test_slip_zero_drops_all(self):
        before = self.counters()
        replies = burst(self.server, query("www.phx.test"), 60)
        self.assertEqual(len(replies), RATE)
        self.assertFalse(any(r.flags & dns.flags.TC for r in replies.values()))
        d = self.delta(before)
        self.assertEqual((d["dropped"], d["slipped"]), (60 - RATE, 0))


class AllowListTests(unittest.TestCase):
    def test_clients_in_the_recursion_allow_list_are_never_limited(self):
        # No [forward] allow: the default, 127.0.0.0/8 and ::1, may recurse.
        with Dnsd("--rate-limit", str(RATE), zones=(TEST_ZONE,)) as server:
            replies = burst(server, query("www.phx.test"), 100)
            self.assertEqual(len(replies), 100)
            self.assertFalse(any(r.flags & dns.flags.TC for r in replies.values()))


if __name__ == "__main__":
    unittest.main()

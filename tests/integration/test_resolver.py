# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-dnsd as the host resolver: names outside its zones are forwarded to
a real upstream (Knot, authoritative for example.test, with query counters)
and cached; allow-listed clients only; no loops; fail-over and serve-stale."""

import os
import socket
import subprocess
import threading
import time
import unittest

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from peers import Peer
from phxdns import DNSD, LOCALHOST, MAIN_ZONE, SOURCE_DIR, Dnsd, free_port, write_config

OUTSIDE_ZONE = [("example.test", os.path.join(SOURCE_DIR, "tests", "zones", "example.test.zone"))]


def ask(port, name, rdtype="A", tcp=False, rd=True, source=LOCALHOST, timeout=3, **kw):
    q = dns.message.make_query(name, rdtype, **kw)
    if not rd:
        q.flags &= ~dns.flags.RD
    send = dns.query.tcp if tcp else dns.query.udp
    return send(q, LOCALHOST, port=port, timeout=timeout, source=source)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ForwardingTests(unittest.TestCase):
    """One Knot upstream and one phx-dnsd forwarding to it, shared by the tests."""

    @classmethod
    def setUpClass(cls):
        cls.upstream = Peer("knot", OUTSIDE_ZONE).__enter__()
        cls.server = Dnsd("--forward", f"{LOCALHOST}:{cls.upstream.port}", "--allow-recursion", "127.0.0.1/32",
                          zones=(MAIN_ZONE,)).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        cls.upstream.__exit__()

    def test_forwarded_answer_has_ra_and_keeps_the_client_case_and_id(self):
        r = ask(self.server.port, "WwW.ExAmPlE.TeSt")
        self.assertEqual(r.rcode(), dns.rcode.NOERROR)
        self.assertTrue(r.flags & dns.flags.RA)
        self.assertFalse(r.flags & dns.flags.AA)
        self.assertEqual(r.question[0].name.to_text(), "WwW.ExAmPlE.TeSt.")
        self.assertEqual(r.answer[0].name.to_text(), "WwW.ExAmPlE.TeSt.")
        self.assertEqual(str(r.answer[0][0]), "192.0.2.80")
        tcp = ask(self.server.port, "alias.example.test", tcp=True)
        self.assertEqual([x.rdtype for x in tcp.answer], [dns.rdatatype.CNAME, dns.rdatatype.A])

    def test_second_query_comes_from_the_cache_with_ttl_counting_down(self):
        before = self.upstream.queries()
        first = ask(self.server.port, "www.example.test", "AAAA")
        after_first = self.upstream.queries()
        self.assertEqual(after_first, before + 1)
        time.sleep(1.2)
        second = ask(self.server.port, "WWW.example.test", "AAAA")
        self.assertEqual(self.upstream.queries(), after_first, "the cached answer must not wake the upstream")
        self.assertEqual(str(second.answer[0][0]), "2001:db8::80")
        self.assertTrue(second.flags & dns.flags.RA)
        self.assertLess(second.answer[0].ttl, first.answer[0].ttl)
        self.assertGreaterEqual(second.answer[0].ttl, first.answer[0].ttl - 3)

    def test_nxdomain_is_cached_negatively_from_the_soa(self):
        before = self.upstream.queries()
        first = ask(self.server.port, "nosuch.example.test")
        self.assertEqual(first.rcode(), dns.rcode.NXDOMAIN)
        self.assertEqual(first.authority[0].rdtype, dns.rdatatype.SOA)
        self.assertLessEqual(first.authority[0].ttl, 120)  # min(SOA TTL, MINIMUM)
        time.sleep(1.1)
        second = ask(self.server.port, "nosuch.example.test")
        self.assertEqual(second.rcode(), dns.rcode.NXDOMAIN)
        self.assertEqual(self.upstream.queries(), before + 1)
        self.assertLess(second.authority[0].ttl, first.authority[0].ttl)

    def test_names_in_our_zones_are_never_forwarded(self):
        before = self.upstream.queries()
        r = ask(self.server.port, "nosuch.internal.thinkheads.ai")
        self.assertEqual(r.rcode(), dns.rcode.NXDOMAIN)
        self.assertTrue(r.flags & dns.flags.AA)
        self.assertTrue(r.flags & dns.flags.RA)  # an allowed client
        self.assertEqual(str(ask(self.server.port, "traefik.internal.thinkheads.ai").answer[0][0]), "10.0.0.153")
        self.assertEqual(self.upstream.queries(), before)

    def test_truncated_upstream_answer_is_fetched_again_over_tcp(self):
        tcp_before = self.upstream.counters().get("request-protocol[tcp4]", 0)
        over_udp = ask(self.server.port, "big.example.test", "TXT", use_edns=0, payload=4096)
        self.assertTrue(over_udp.flags & dns.flags.TC)  # our 1232-byte limit toward the client
        self.assertEqual(self.upstream.counters().get("request-protocol[tcp4]", 0), tcp_before + 1)
        over_tcp = ask(self.server.port, "big.example.test", "TXT", tcp=True)
        self.assertEqual(len(over_tcp.answer[0]), 40)

    def test_rd0_is_answered_from_the_cache_or_refused(self):
        self.assertEqual(ask(self.server.port, "alias.example.test", "AAAA", rd=False).rcode(), dns.rcode.REFUSED)
        ask(self.server.port, "alias.example.test", "AAAA")
        r = ask(self.server.port, "alias.example.test", "AAAA", rd=False)
        self.assertEqual(r.rcode(), dns.rcode.NOERROR)
        self.assertEqual(r.answer[0].rdtype, dns.rdatatype.CNAME)

    def test_clients_outside_the_allow_list_get_refused_but_still_our_zones(self):
        r = ask(self.server.port, "www.example.test", source="127.0.0.2")
        self.assertEqual(r.rcode(), dns.rcode.REFUSED)
        self.assertFalse(r.flags & dns.flags.RA)
        ours = ask(self.server.port, "traefik.internal.thinkheads.ai", source="127.0.0.2")
        self.assertEqual(str(ours.answer[0][0]), "10.0.0.153")
        self.assertTrue(ours.flags & dns.flags.AA)
        self.assertFalse(ours.flags & dns.flags.RA)
        tcp = ask(self.server.port, "www.example.test", tcp=True, source="127.0.0.2")
        self.assertEqual(tcp.rcode(), dns.rcode.REFUSED)


class FailoverTests(unittest.TestCase):
    def test_dead_first_upstream_fails_over_and_is_skipped_afterwards(self):
        dead = free_port()
        with Peer("knot", OUTSIDE_ZONE) as upstream, \
                Dnsd("--forward", f"{LOCALHOST}:{dead}", "--forward", f"{LOCALHOST}:{upstream.port}",
                     zones=(MAIN_ZONE,)) as server:
            start = time.monotonic()
            self.assertEqual(str(ask(server.port, "www.example.test").answer[0][0]), "192.0.2.80")
            self.assertEqual(str(ask(server.port, "alias.example.test").answer[0][0]), "www.example.test.")
            self.assertLess(time.monotonic() - start, 1.5)
            self.assertIn(f"upstream 127.0.0.1:{dead} did not answer usably", server.log())

    def test_an_upstream_listed_twice_still_answers(self):
        with Peer("knot", OUTSIDE_ZONE) as upstream:
            u = f"{LOCALHOST}:{upstream.port}"
            with Dnsd("--forward", u, "--forward", u, zones=(MAIN_ZONE,)) as server:
                self.assertEqual(str(ask(server.port, "www.example.test").answer[0][0]), "192.0.2.80")

    def test_when_every_upstream_is_down_cached_names_are_served_stale(self):
        upstream = Peer("knot", OUTSIDE_ZONE).__enter__()
        try:
            with Dnsd("--forward", f"{LOCALHOST}:{upstream.port}", zones=(MAIN_ZONE,)) as server:
                self.assertEqual(ask(server.port, "short.example.test").answer[0].ttl, 2)
                upstream.stop()
                time.sleep(2.5)  # the 2-second TTL has run out
                stale = ask(server.port, "short.example.test")
                self.assertEqual(str(stale.answer[0][0]), "192.0.2.81")
                self.assertEqual(stale.answer[0].ttl, 30)  # RFC 8767
                self.assertEqual(ask(server.port, "www.example.test").rcode(), dns.rcode.SERVFAIL)
        finally:
            upstream.stop()

    def test_a_silent_upstream_never_delays_authoritative_answers(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as blackhole:
            blackhole.bind((LOCALHOST, 0))
            config = write_config(f'[forward]\nupstreams = ["127.0.0.1:{blackhole.getsockname()[1]}"]\n'
                                  'timeout_ms = 1500\nmax_outstanding = 2\n')
            try:
                with Dnsd(config=config, zones=(MAIN_ZONE,)) as server:
                    results = {}

                    def slow(name):
                        results[name] = ask(server.port, name, timeout=5).rcode()

                    threads = [threading.Thread(target=slow, args=(f"n{i}.example.test",)) for i in range(2)]
                    for t in threads:
                        t.start()
                    time.sleep(0.2)
                    start = time.monotonic()
                    for _ in range(20):
                        self.assertEqual(str(ask(server.port, "ca.internal.thinkheads.ai").answer[0][0]),
                                         "10.0.0.153")
                    self.assertLess(time.monotonic() - start, 0.5)
                    # Two questions are already waiting upstream: a third is turned away at once.
                    start = time.monotonic()
                    self.assertEqual(ask(server.port, "n9.example.test").rcode(), dns.rcode.SERVFAIL)
                    self.assertLess(time.monotonic() - start, 0.5)
                    for t in threads:
                        t.join()
                    self.assertEqual(results, {"n0.example.test": dns.rcode.SERVFAIL,
                                               "n1.example.test": dns.rcode.SERVFAIL})
            finally:
                os.unlink(config)


class LoopTests(unittest.TestCase):
    def test_two_instances_forwarding_to_each_other_end_in_servfail_without_spinning(self):
        port_a, port_b = free_port(), free_port()
        a = Dnsd("--forward", f"{LOCALHOST}:{port_b}", "--workers", "1", zones=(MAIN_ZONE,))
        b = Dnsd("--forward", f"{LOCALHOST}:{port_a}", "--workers", "1", zones=(MAIN_ZONE,))
        a.port, b.port = port_a, port_b
        a.args[a.args.index("--listen") + 1] = f"{LOCALHOST}:{port_a}"
        b.args[b.args.index("--listen") + 1] = f"{LOCALHOST}:{port_b}"
        with a, b:
            start = time.monotonic()
            r = ask(port_a, "www.example.org", timeout=5)
            self.assertEqual(r.rcode(), dns.rcode.SERVFAIL)
            self.assertLess(time.monotonic() - start, 2.0)
            self.assertEqual(ask(port_b, "mirror.example.net", tcp=True, timeout=5).rcode(), dns.rcode.SERVFAIL)
            time.sleep(0.3)
            cpu = (cpu_seconds(a.proc.pid), cpu_seconds(b.proc.pid))
            time.sleep(1.0)
            self.assertLess(cpu_seconds(a.proc.pid) - cpu[0], 0.05, "instance A keeps burning CPU")
            self.assertLess(cpu_seconds(b.proc.pid) - cpu[1], 0.05, "instance B keeps burning CPU")
            logs = a.log() + b.log()
            self.assertIn("forwarding loop: the query for www.example.org. came back", logs)
            self.assertEqual(logs.count("forwarding loop: the query for www.example.org."), 1)
            # Our own zones still answer on both.
            self.assertEqual(str(ask(port_b, "nginx.internal.thinkheads.ai").answer[0][0]), "10.0.0.153")

    def test_an_upstream_that_is_our_own_address_is_refused_at_start(self):
        port = free_port()
        out = subprocess.run([DNSD, "--listen", f"{LOCALHOST}:{port}", "--zone", MAIN_ZONE,
                              "--forward", f"{LOCALHOST}:{port}"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"--forward: error: upstream 127.0.0.1:{port} is one of phx-dnsd's own listen addresses: "
                      "forwarding to it would loop back to this server", out.stderr)
        config = write_config(f'[server]\nlisten = ["0.0.0.0:{port}"]\n[forward]\nupstreams = ["127.0.0.1:{port}"]\n')
        try:
            out = subprocess.run([DNSD, "--check", "--config", config, "--zone", MAIN_ZONE],
                                 capture_output=True, text=True, timeout=10)
        finally:
            os.unlink(config)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{config}:4:14: error: upstream 127.0.0.1:{port} is port {port} on this host's loopback", out.stderr)


if __name__ == "__main__":
    unittest.main()

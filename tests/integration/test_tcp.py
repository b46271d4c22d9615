# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS over TCP (RFC 7766): framing, pipelining, idle timeout, a connection
cap, and slow or half-sent clients that must not block anyone else."""

import os
import socket
import struct
import time
import unittest

import dns.rcode

from phxdns import Dnsd, parse, raw_query, read_framed, write_config

CONFIG = """
[tcp]
max_connections = 4
idle_timeout_seconds = 1
"""


def framed(data):
    return struct.pack("!H", len(data)) + data


class TcpTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.config = write_config(CONFIG)
        # One worker, so the connection cap and the blocking checks are exact.
        cls.server = Dnsd("--workers", "1", config=cls.config).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)
        os.unlink(cls.config)

    def assert_server_answers(self):
        r = parse(self.server.raw_tcp(raw_query("ca.internal.thinkheads.ai")))
        self.assertEqual(str(r.answer[0][0]), "10.0.0.153")
        r = parse(self.server.raw_udp(raw_query("ca.internal.thinkheads.ai")))
        self.assertEqual(str(r.answer[0][0]), "10.0.0.153")

    def test_length_prefixed_query_gets_a_length_prefixed_reply(self):
        with self.server.connect_tcp() as s:
            s.sendall(framed(raw_query("nginx.internal.thinkheads.ai", qid=7)))
            head = s.recv(2, socket.MSG_WAITALL)
            length = struct.unpack("!H", head)[0]
            body = s.recv(length, socket.MSG_WAITALL)
            self.assertEqual(len(body), length)
            r = parse(body)
            self.assertEqual(r.id, 7)
            self.assertEqual(str(r.answer[0][0]), "10.0.0.153")

    def test_pipelined_queries_on_one_connection_are_all_answered(self):
        names = ["nginx", "traefik", "ca", "portainer", "ollama", "nosuch"] * 5
        with self.server.connect_tcp() as s:
            s.sendall(b"".join(framed(raw_query(f"{n}.internal.thinkheads.ai", qid=i))
                               for i, n in enumerate(names)))
            replies = [parse(read_framed(s)) for _ in names]
        self.assertEqual([r.id for r in replies], list(range(len(names))))
        for r, n in zip(replies, names):
            self.assertEqual(r.rcode(), dns.rcode.NXDOMAIN if n == "nosuch" else dns.rcode.NOERROR)

    def test_idle_connection_is_closed_after_the_timeout(self):
        with self.server.connect_tcp(timeout=5) as s:
            start = time.monotonic()
            self.assertEqual(s.recv(1), b"")  # EOF from the server
            waited = time.monotonic() - start
        self.assertGreater(waited, 0.8)
        self.assertLess(waited, 3.0)

    def test_half_sent_query_blocks_nobody_and_is_dropped(self):
        with self.server.connect_tcp(timeout=5) as slow:
            query = framed(raw_query("nginx.internal.thinkheads.ai"))
            slow.sendall(query[:7])  # length and part of the header, then silence
            start = time.monotonic()
            for _ in range(3):
                self.assert_server_answers()
            self.assertLess(time.monotonic() - start, 0.9)  # well before the slow one times out
            self.assertEqual(slow.recv(1), b"")
            self.assertLess(time.monotonic() - start, 3.0)

    def test_connections_beyond_the_cap_are_refused_then_admitted_again(self):
        held = [self.server.connect_tcp() for _ in range(4)]
        try:
            time.sleep(0.1)
            with self.server.connect_tcp() as extra:
                extra.sendall(framed(raw_query("nginx.internal.thinkheads.ai")))
                self.assertIsNone(read_framed(extra))  # closed without an answer
            # UDP is not affected by the TCP cap.
            self.assertEqual(str(parse(self.server.raw_udp(raw_query("ca.internal.thinkheads.ai"))).answer[0][0]),
                             "10.0.0.153")
        finally:
            for s in held:
                s.close()
        time.sleep(0.2)
        self.assert_server_answers()


if __name__ == "__main__":
    unittest.main()

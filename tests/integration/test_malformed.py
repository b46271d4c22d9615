# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input over real sockets: wrong opcodes, counts, classes, transfer
types, broken names, responses and runts; then thousands of random and
mutated packets over UDP and TCP, after which the server must still answer
correctly."""

import errno
import random
import socket
import struct
import unittest

import dns.opcode
import dns.rcode

from phxdns import LOCALHOST, SharedServerTest, opt_record, raw_query, read_framed

OPCODE_SHIFT = 11


class MalformedTests(SharedServerTest):
    def reply_rcodes(self, query):
        """The rcode over UDP and over TCP (which must agree)."""
        codes = []
        for reply in (self.server.raw_udp(query), self.server.raw_tcp(query)):
            self.assertIsNotNone(reply, query.hex())
            # Read the header by hand: dnspython refuses unassigned opcodes.
            self.assertEqual(reply[:2], query[:2], "the reply keeps the query's ID")
            self.assertTrue(reply[2] & 0x80, "QR set")
            self.assertEqual(reply[2] & 0x78, query[2] & 0x78 if len(query) > 2 else 0, "opcode echoed")
            codes.append(reply[3] & 0x0F)
        self.assertEqual(codes[0], codes[1])
        return codes[0]

    def test_opcodes_other_than_query_are_notimp(self):
        for opcode in (dns.opcode.IQUERY, dns.opcode.STATUS, dns.opcode.NOTIFY, dns.opcode.UPDATE, 3, 15):
            q = raw_query("internal.thinkheads.ai", qtype=6, flags=opcode << OPCODE_SHIFT)
            self.assertEqual(self.reply_rcodes(q), dns.rcode.NOTIMP, opcode)

    def test_qdcount_other_than_one_is_formerr(self):
        self.assertEqual(self.reply_rcodes(raw_query("nginx.internal.thinkheads.ai", qdcount=0)), dns.rcode.FORMERR)
        self.assertEqual(self.reply_rcodes(raw_query("nginx.internal.thinkheads.ai", qdcount=2)), dns.rcode.FORMERR)
        two = raw_query("nginx.internal.thinkheads.ai", qdcount=2) + raw_query("ca.internal.thinkheads.ai")[12:]
        self.assertEqual(self.reply_rcodes(two), dns.rcode.FORMERR)

    def test_responses_and_runts_get_no_reply(self):
        qr = raw_query("nginx.internal.thinkheads.ai", flags=0x8000)
        self.assertIsNone(self.server.raw_udp(qr, timeout=0.5))
        for runt in (b"", b"\x12", b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00"):
            self.assertIsNone(self.server.raw_udp(runt, timeout=0.3), runt)

    def test_bad_labels_and_pointers_are_formerr(self):
        base = raw_query("nginx.internal.thinkheads.ai")
        header = base[:12]
        cases = {
            "pointer to itself": header + b"\xc0\x0c" + b"\x00\x01\x00\x01",
            "forward pointer": header + b"\xc0\x20" + b"\x00\x01\x00\x01" + b"\0" * 20,
            "reserved label type 01": header + b"\x41abc\0\x00\x01\x00\x01",
            "reserved label type 10": header + b"\x81abc\0\x00\x01\x00\x01",
            "label runs past the end": header + b"\x3fabc",
            "no root label": header + b"\x03abc",
            "question cut short": base[:-3],
            "name longer than 255": header + (b"\x3f" + b"a" * 63) * 5 + b"\0\x00\x01\x00\x01",
            "additional count too high": raw_query("nginx.internal.thinkheads.ai", arcount=3),
            "OPT not at the root": raw_query("nginx.internal.thinkheads.ai", arcount=1,
                                             additional=b"\x01a" + opt_record()),
        }
        for what, q in cases.items():
            self.assertEqual(self.reply_rcodes(q), dns.rcode.FORMERR, what)

    def test_non_in_classes_are_refused(self):
        for qclass in (3, 4, 254, 255):  # CH, HS, NONE, ANY
            q = raw_query("version.bind" if qclass == 3 else "nginx.internal.thinkheads.ai", qtype=16, qclass=qclass)
            self.assertEqual(self.reply_rcodes(q), dns.rcode.REFUSED, qclass)

    def test_zone_transfers_are_refused(self):
        for qtype in (252, 251):  # AXFR, IXFR
            self.assertEqual(self.reply_rcodes(raw_query("internal.thinkheads.ai", qtype=qtype)), dns.rcode.REFUSED)

    def test_thousands_of_random_and_mutated_packets_do_not_stop_the_server(self):
        rng = random.Random(20261125)
        seeds = [raw_query(f"{n}.internal.thinkheads.ai", qtype=t) for n in ("nginx", "ca", "nosuch", "a.b")
                 for t in (1, 28, 255, 6)]
        seeds.append(raw_query("big.phx.test", arcount=1, additional=opt_record(4096)))
        packets = []
        for _ in range(1500):
            if rng.random() < 0.3:
                packets.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 120))))
                continue
            p = bytearray(rng.choice(seeds))
            for _ in range(rng.randint(1, 6)):
                action = rng.random()
                if action < 0.6 and p:
                    p[rng.randrange(len(p))] = rng.getrandbits(8)
                elif action < 0.8:
                    del p[rng.randrange(len(p) + 1):]
                else:
                    p += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))
            packets.append(bytes(p))

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(0.5)
            for p in packets:
                s.sendto(p, (LOCALHOST, self.server.port))
            replies = 0
            try:
                while True:
                    data = s.recv(65535)
                    replies += 1
                    self.assertTrue(data[2] & 0x80, "a reply must have QR set")
            except socket.timeout:
                pass
        self.assertGreater(replies, 100)

        # Over TCP: the same packets, several per connection, some cut short.
        for i in range(0, 600, 6):
            try:
                with self.server.connect_tcp(timeout=1) as c:
                    for p in packets[i:i + 6]:
                        c.sendall(struct.pack("!H", len(p)) + p)
                    if i % 12 == 0:
                        c.sendall(b"\x01")  # half a length prefix, then close
                    c.shutdown(socket.SHUT_WR)
                    while read_framed(c) is not None:
                        pass
            except OSError as e:
                # The server may close a connection that sent nonsense, even
                # before our shutdown (ENOTCONN then).
                if e.errno not in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN):
                    raise

        self.assertIsNone(self.server.proc.poll(), "phx-dnsd died")
        for tcp in (False, True):
            r = self.server.query("TrAeFiK.internal.thinkheads.ai", "A", tcp=tcp)
            self.assertEqual(r.answer[0].name.to_text(), "TrAeFiK.internal.thinkheads.ai.")
            self.assertEqual(str(r.answer[0][0]), "10.0.0.153")


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""A scripted upstream resolver on loopback for phx-dnsd's resolver tests:
UDP and TCP on one free port, each query handed to the test's function,
which returns the reply bytes (or None to stay silent, as a resolver does
while it waits on a dead authoritative server). So a test can forge
answers, poison chains, huge TTLs and floods of large replies."""

import re
import socket
import struct
import threading
import urllib.request

import dns.flags
import dns.message
import dns.query
import dns.rrset

from phxdns import LOCALHOST, free_port


class FakeUpstream:
    """handler(query: dns.message.Message, raw: bytes, tcp: bool) -> bytes | None.

    Use as a context manager; `queries` counts what arrived, by transport."""

    def __init__(self, handler):
        self.handler = handler
        self.port = free_port()
        self.queries = {"udp": 0, "tcp": 0}
        self.lock = threading.Lock()
        self.stopping = False
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.threads = []

    def __enter__(self):
        self.udp.bind((LOCALHOST, self.port))
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((LOCALHOST, self.port))
        self.tcp.listen(64)
        for target in (self.serve_udp, self.serve_tcp):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self.threads.append(t)
        return self

    def __exit__(self, *exc):
        self.stopping = True
        for s in (self.udp, self.tcp):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for t in self.threads:
            t.join(timeout=2)

    @property
    def address(self):
        return f"{LOCALHOST}:{self.port}"

    def count(self, transport):
        with self.lock:
            self.queries[transport] += 1

    def answer(self, raw, tcp):
        try:
            query = dns.message.from_wire(raw)
        except Exception:
            return None
        self.count("tcp" if tcp else "udp")
        return self.handler(query, raw, tcp)

    def serve_udp(self):
        while not self.stopping:
            try:
                raw, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            reply = self.answer(raw, False)
            if reply is not None:
                try:
                    self.udp.sendto(reply, peer)
                except OSError:
                    pass

    def serve_tcp(self):
        while not self.stopping:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            threading.Thread(target=self.serve_connection, args=(conn,), daemon=True).start()

    def serve_connection(self, conn):
        with conn:
            conn.settimeout(5)
            try:
                while True:
                    head = recv_exactly(conn, 2)
                    if head is None:
                        return
                    raw = recv_exactly(conn, struct.unpack("!H", head)[0])
                    if raw is None:
                        return
                    reply = self.answer(raw, True)
                    if reply is None:
                        return
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
            except OSError:
                return


def recv_exactly(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def reply_with(query, answer=(), authority=(), additional=(), rcode=0):
    """A reply to `query` (its ID and question, case included) holding the
    given records, each "owner TTL TYPE RDATA" in zone-file text."""
    r = dns.message.make_response(query)
    r.flags |= dns.flags.RA
    r.set_rcode(rcode)
    for section, records in ((r.answer, answer), (r.authority, authority), (r.additional, additional)):
        for text in records:
            owner, ttl, rdtype, rdata = text.split(None, 3)
            section.append(dns.rrset.from_text(owner, int(ttl), "IN", rdtype, rdata))
    return r.to_wire(max_size=65535)


def question_end(raw):
    """Where the (uncompressed) question of a query ends: after QNAME, QTYPE, QCLASS."""
    i = 12
    while raw[i] != 0:
        i += raw[i] + 1
    return i + 5


def many_txt_reply(raw, count, tcp):
    """A reply of `count` TXT records at the question name (each owner a
    compression pointer to it), built byte by byte so a flood is cheap. Over
    UDP only the header with TC set, as a real upstream would do."""
    qid = struct.unpack("!H", raw[:2])[0]
    question = raw[12:question_end(raw)]
    if not tcp:
        return struct.pack("!HHHHHH", qid, 0x8380, 1, 0, 0, 0) + question
    records = bytearray()
    for i in range(count):
        text = b"%03x" % (i % 4096)
        records += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 300, len(text) + 1) + bytes([len(text)]) + text
    return struct.pack("!HHHHHH", qid, 0x8180, 1, count, 0, 0) + question + bytes(records)


def ask(port, name, rdtype="A", tcp=False, source=LOCALHOST, timeout=3, **kw):
    """A recursive query (RD set) to phx-dnsd from `source`."""
    q = dns.message.make_query(name, rdtype, **kw)
    send = dns.query.tcp if tcp else dns.query.udp
    return send(q, LOCALHOST, port=port, timeout=timeout, source=source)


def scrape(port):
    """The metrics endpoint's text."""
    with urllib.request.urlopen(f"http://{LOCALHOST}:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric(text, series):
    """One series' value from scraped text; 0 if absent."""
    match = re.search(rf"^{re.escape(series)} (\d+)$", text, re.M)
    return int(match.group(1)) if match else 0


def rss_kib(pid):
    """Resident memory of a process, from /proc/PID/status (VmRSS), in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def sanitized(pid):
    """Whether the process runs under AddressSanitizer (its memory use says little then)."""
    with open(f"/proc/{pid}/maps") as f:
        return "libasan" in f.read()

# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers for the phx-dnsd integration tests: start the real binary
on a free loopback port, query it over real UDP and TCP sockets, and build
malformed messages byte by byte."""

import os
import random
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

# ctest sets both; scripts run by hand get the release build of this checkout.
SOURCE_DIR = os.environ.get("PHX_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD_DIR = os.environ.get("PHX_BUILD_DIR", os.path.join(SOURCE_DIR, "build", "release"))
DNSD = os.path.join(BUILD_DIR, "dnsd", "phx-dnsd")
MAIN_ZONE = os.path.join(SOURCE_DIR, "zones", "internal.thinkheads.ai.zone")
TEST_ZONE = os.path.join(SOURCE_DIR, "tests", "zones", "phx.test.zone")
LOCALHOST = "127.0.0.1"


def _ephemeral_ports():
    """The kernel's range for the source ports of outgoing connections."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
        return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port(host=LOCALHOST):
    """A port on which both UDP and TCP are free right now, chosen below the
    kernel's ephemeral range: there, any test's outgoing connection (dig,
    NSD, Knot, a zone transfer) may take it between this check and the
    server's bind, and tests run in parallel."""
    low, _ = _ephemeral_ports()
    top = low - 1 if low > 20000 + 1000 else 60000
    for _ in range(200):
        port = random.randint(20000, top)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                u.bind((host, port))
                t.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port found")


def write_config(text):
    """A temporary TOML config file; the caller removes it."""
    fd, path = tempfile.mkstemp(prefix="phx-dnsd-", suffix=".toml")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


class Dnsd:
    """The real phx-dnsd binary serving on a free loopback port.

    Use as a context manager; on exit it is stopped with SIGTERM and must
    exit 0 within five seconds."""

    def __init__(self, *extra_args, zones=(MAIN_ZONE, TEST_ZONE), config=None, listen=True, env=None):
        self.port = free_port()
        self.args = [DNSD]
        if config:
            self.args += ["--config", config]
        if listen:
            self.args += ["--listen", f"{LOCALHOST}:{self.port}"]
        for z in zones:
            self.args += ["--zone", z]
        self.args += list(extra_args)
        self.proc = None
        self.stderr_path = None
        self.env = env
        # A name to ask for the SOA of, to know the server is up: the first zone's origin.
        first = os.path.basename(zones[0]) if zones else "internal.thinkheads.ai.zone"
        self.probe_name = first.split("=")[0] if "=" in first else first.removesuffix(".zone")

    def __enter__(self):
        fd, self.stderr_path = tempfile.mkstemp(prefix="phx-dnsd-", suffix=".log")
        self.stderr = os.fdopen(fd, "w")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"phx-dnsd exited with {self.proc.returncode}: {self.log()}")
            try:
                self.query(self.probe_name, "SOA", timeout=0.2)
                return self
            except (dns.exception.Timeout, ConnectionRefusedError, OSError):
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"phx-dnsd did not answer within 10 s: {self.log()}")

    def __exit__(self, *exc):
        # A crash, a sanitizer report or a leak at exit shows as a non-zero code.
        code = self.stop()
        log = self.log()
        os.unlink(self.stderr_path)
        if code != 0:
            raise AssertionError(f"phx-dnsd exited with {code}: {log}")

    def stop(self):
        """SIGTERM, then the exit code (a clean stop is 0)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("phx-dnsd did not stop within 5 s of SIGTERM")
        self.stderr.close()
        return self.proc.returncode

    def log(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path) as f:
            return f.read()

    def query(self, name, rdtype, tcp=False, timeout=2.0, **make_query_args):
        """A dnspython query; RD is cleared unless rd=True is passed."""
        rd = make_query_args.pop("rd", False)
        q = dns.message.make_query(name, rdtype, **make_query_args)
        if not rd:
            q.flags &= ~dns.flags.RD
        send = dns.query.tcp if tcp else dns.query.udp
        return send(q, LOCALHOST, port=self.port, timeout=timeout)

    def raw_udp(self, data, timeout=1.0):
        """Sends bytes, returns the reply bytes or None on timeout."""
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(timeout)
            s.sendto(data, (LOCALHOST, self.port))
            try:
                return s.recv(65535)
            except socket.timeout:
                return None

    def connect_tcp(self, timeout=2.0):
        s = socket.create_connection((LOCALHOST, self.port), timeout=timeout)
        s.settimeout(timeout)
        return s

    def raw_tcp(self, data, timeout=2.0):
        """One framed message over a new connection; the reply or None."""
        with self.connect_tcp(timeout) as s:
            s.sendall(struct.pack("!H", len(data)) + data)
            return read_framed(s)


class SharedServerTest(unittest.TestCase):
    """One phx-dnsd (bundled and test zones) for all the tests of a class."""

    @classmethod
    def setUpClass(cls):
        cls.server = Dnsd().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.server.__exit__(None, None, None)


def read_exactly(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_framed(sock):
    """One length-prefixed DNS message from a TCP socket, or None at EOF/timeout."""
    try:
        head = read_exactly(sock, 2)
        if head is None:
            return None
        return read_exactly(sock, struct.unpack("!H", head)[0])
    except (socket.timeout, ConnectionResetError):
        return None


def encode_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def raw_query(name, qtype=1, qid=0x4242, flags=0, qdcount=1, qclass=1, additional=b"", arcount=0):
    """A query message built by hand, so tests can make it wrong on purpose."""
    header = struct.pack("!HHHHHH", qid, flags, qdcount, 0, 0, arcount)
    return header + encode_name(name) + struct.pack("!HH", qtype, qclass) + additional


def opt_record(udp_size=1232, version=0, flags=0, rdata=b""):
    return b"\0" + struct.pack("!HHBBHH", 41, udp_size, 0, version, flags, len(rdata)) + rdata


def parse(data):
    """dnspython's view of a reply (raises on a malformed one)."""
    return dns.message.from_wire(data)


def rcode_of(data):
    """The full rcode (with EDNS extension bits) of reply bytes."""
    return parse(data).rcode()


def rrsets(section):
    """{(owner text, type text): [rdata text, ...]} for easy assertions."""
    return {(r.name.to_text(), dns.rdatatype.to_text(r.rdtype)): sorted(x.to_text() for x in r)
            for r in section}

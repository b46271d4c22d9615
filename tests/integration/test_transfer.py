# SPDX-License-Identifier: GPL-3.0-or-later
"""Zone transfers to real secondaries: NSD and Knot (Debian packages) load
phx-dnsd's zones by AXFR with TSIG (hmac-sha256) on loopback, follow
every new serial within 3 s of the SIGHUP that brings it (NOTIFY: their
refresh timers are a day long), by IXFR; a zone larger than 64 KiB
arrives whole. And the other side: unsigned and wrongly signed transfers
refused, dnspython, kdig and dig as signed transfer clients."""

import base64
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.request

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.zone

from phxdns import LOCALHOST, SOURCE_DIR, Dnsd, free_port, read_framed
from secondaries import Secondary, knot_snippet, nsd_snippet

SMALL = "xfr.test."
BIG = "big.test."
BIG_NAMES = 1500


def small_zone(serial):
    """Version `serial` of xfr.test: www and v change with it, and each
    version adds a name of its own (so IXFR has removals and additions)."""
    added = "".join(f"new{n} A 198.51.100.{n}\n" for n in range(2, serial + 1))
    return f"""$TTL 300
@ SOA ns1 hostmaster {serial} 86400 3600 1209600 60
@ NS ns1
ns1 A 127.0.0.1
www A 192.0.2.{serial}
v TXT "version {serial}"
{added}"""


def big_zone():
    """About 150 KiB on the wire: 1500 names with an A and a 60-byte TXT."""
    records = "".join(f'host-{i:04} A 10.0.{i // 250}.{i % 250}\nhost-{i:04} TXT "{i:060}"\n'
                      for i in range(BIG_NAMES))
    return f"$TTL 3600\n@ SOA ns1 hostmaster 1 86400 3600 1209600 60\n@ NS ns1\nns1 A 127.0.0.1\n{records}"


def new_secret():
    return base64.b64encode(os.urandom(32)).decode()


def write(path, text, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.rename(tmp, path)  # like an editor saving


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


def metric(text, name, labels=""):
    m = re.search(rf"^{re.escape(name + labels)} (\d+)$", text, re.M)
    return int(m.group(1)) if m else None


def key(name, secret):
    return dns.tsig.Key(name, secret, "hmac-sha256")


def record_set(messages):
    """{(name, ttl, type, rdata)} of every answer record but the SOA."""
    out = set()
    for m in messages:
        for rrset in m.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                continue
            for rd in rrset:
                out.add((rrset.name.to_text(), rrset.ttl, dns.rdatatype.to_text(rrset.rdtype), rd.to_text()))
    return out


def axfr(port, zone, k=None):
    """Every message of an AXFR, TSIG checked by dnspython (each message,
    chained) when signed."""
    kwargs = {"keyring": {k.name: k}, "keyname": k.name, "keyalgorithm": k.algorithm} if k else {}
    return list(dns.query.xfr(LOCALHOST, zone, port=port, timeout=10, relativize=False, **kwargs))


def raw_tcp_reply(port, wire):
    with socket.create_connection((LOCALHOST, port), timeout=5) as s:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return read_framed(s)


class Primary:
    """phx-dnsd serving xfr.test and big.test from a configuration file
    with [[tsig_key]] secret_file entries, [transfer] and [metrics]."""

    def __init__(self, keys, allow, notify_targets=()):
        self.dir = tempfile.mkdtemp(prefix="phx-primary-")
        self.small = os.path.join(self.dir, "xfr.test.zone")
        write(self.small, small_zone(1))
        write(os.path.join(self.dir, "big.test.zone"), big_zone())
        self.config = os.path.join(self.dir, "phx-dnsd.toml")
        self.keys = keys
        self.allow = allow
        self.notify_targets = list(notify_targets)
        self.metrics_port = free_port()
        self.dnsd = Dnsd("--metrics-listen", f"127.0.0.1:{self.metrics_port}", config=self.config,
                         zones=())
        self.port = self.dnsd.port

    def write_config(self):
        text = '[[zone]]\nfile = "xfr.test.zone"\n[[zone]]\nfile = "big.test.zone"\n'
        for name, secret in self.keys.items():
            # As packaged: the secret in a file of its own, not readable by everyone.
            write(os.path.join(self.dir, f"{name}.key"), secret + "\n", mode=0o640)
            text += f'[[tsig_key]]\nname = "{name}"\nalgorithm = "hmac-sha256"\nsecret_file = "{name}.key"\n'
        text += "[transfer]\nallow = [{}]\nnotify = [{}]\n".format(
            ", ".join(f'"{a}"' for a in self.allow), ", ".join(f'"{n}"' for n in self.notify_targets))
        write(self.config, text)

    def __enter__(self):
        self.write_config()
        self.dnsd.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.dnsd.__exit__(*exc)
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        return self.dnsd.log()

    def metrics(self):
        return scrape(self.metrics_port)


class SecondaryTests(unittest.TestCase):
    def test_nsd_and_knot_load_by_axfr_and_follow_each_serial_by_notify_and_ixfr(self):
        secrets = {"nsd-key": new_secret(), "knot-key": new_secret()}
        primary = Primary(secrets, ["127.0.0.1:nsd-key", "127.0.0.1:knot-key"])
        zones = [SMALL.rstrip("."), BIG.rstrip(".")]
        nsd = Secondary("nsd", primary.port, "nsd-key", secrets["nsd-key"], zones)
        knot = Secondary("knot", primary.port, "knot-key", secrets["knot-key"], zones)
        primary.notify_targets = [f"127.0.0.1:{nsd.port}:nsd-key", f"127.0.0.1:{knot.port}:knot-key"]
        figures = []
        with primary, nsd, knot:
            for s in (nsd, knot):
                took = max(s.wait_for_serial(SMALL, 1, 30), s.wait_for_serial(BIG, 1, 30))
                figures.append(f"{s.name}: both zones loaded {took:.2f} s after it started")

            # The big zone arrived whole at both: the same records as ours.
            ours = record_set(axfr(primary.port, BIG, key("nsd-key", secrets["nsd-key"])))
            self.assertEqual(len(ours), 2 * BIG_NAMES + 2)
            for s in (nsd, knot):
                self.assertEqual(record_set(axfr(s.port, BIG)), ours, f"{s.name}'s copy of {BIG}")
            for line in primary.log().splitlines():
                if f"AXFR of {BIG}" in line:
                    figures.append("phx-dnsd: " + line.split("info: ", 1)[-1])

            for serial in (2, 3):
                write(primary.small, small_zone(serial))
                sent = time.monotonic()
                primary.dnsd.proc.send_signal(signal.SIGHUP)
                served = {}
                while len(served) < 2 and time.monotonic() - sent < 3.0:
                    for s in (nsd, knot):
                        if s.name not in served and s.serial(SMALL, timeout=0.1) == serial:
                            served[s.name] = time.monotonic() - sent
                    time.sleep(0.005)
                for s in (nsd, knot):
                    self.assertIn(s.name, served, f"{s.name} did not serve serial {serial} within "
                                                  f"3 s of the SIGHUP:\n{s.read_log()[-3000:]}")
                    figures.append(f"{s.name}: serial {serial} served "
                                   f"{served[s.name] * 1000:.0f} ms after the SIGHUP")
                for s in (nsd, knot):
                    r = dns.query.udp(dns.message.make_query(f"new{serial}.{SMALL}", "A"), LOCALHOST,
                                      port=s.port, timeout=2)
                    self.assertEqual([x.to_text() for x in r.answer[0]], [f"198.51.100.{serial}"])
                    r = dns.query.udp(dns.message.make_query(f"www.{SMALL}", "A"), LOCALHOST,
                                      port=s.port, timeout=2)
                    self.assertEqual([x.to_text() for x in r.answer[0]], [f"192.0.2.{serial}"])

            log = primary.log()
            for k in ("nsd-key", "knot-key"):
                for before, after in ((1, 2), (2, 3)):
                    self.assertRegex(log, rf"IXFR of {re.escape(SMALL)} serial {before} -> {after} "
                                          rf"to 127\.0\.0\.1 \(key {k}\.\)",
                                     f"the {k} secondary did not take serial {after} by IXFR:\n{log}")
                # A secondary that could not apply an IXFR asks for the whole zone.
                self.assertEqual(log.count(f"AXFR of {SMALL} serial 1 to 127.0.0.1 (key {k}.)"), 1, log)
                self.assertNotRegex(log, rf"AXFR of {re.escape(SMALL)} serial [23] .*key {k}\.", log)
            self.assertRegex(knot.read_log(), r"\[xfr\.test\.\] IXFR, incoming, .* finished")
            self.assertNotIn("fallback to AXFR", knot.read_log())
            self.assertRegex(log, r"NOTIFY for xfr\.test\. serial 3 to 127\.0\.0\.1:\d+ "
                                  r"\(key nsd-key\.\): acknowledged")
            self.assertNotIn(secrets["nsd-key"], log)
            self.assertNotIn(secrets["knot-key"], log)
            m = primary.metrics()
            self.assertGreaterEqual(metric(m, "phx_dnsd_transfers_total", '{type="ixfr"}'), 4)
            self.assertGreaterEqual(metric(m, "phx_dnsd_transfers_total", '{type="axfr"}'), 4)
            self.assertGreaterEqual(metric(m, "phx_dnsd_notify_total", '{result="acknowledged"}'), 4)
            self.assertEqual(metric(m, "phx_dnsd_journal_versions", '{zone="xfr.test."}'), 2)
            for line in log.splitlines():
                if "IXFR" in line or "NOTIFY for xfr.test. serial 3" in line:
                    figures.append("phx-dnsd: " + line.split(": ", 2)[-1])
        print("\n" + "\n".join(figures))


class ClientTests(unittest.TestCase):
    """One primary, no secondaries: what each kind of transfer request gets."""

    @classmethod
    def setUpClass(cls):
        cls.secret = new_secret()
        cls.key = key("xfr-key", cls.secret)
        cls.primary = Primary({"xfr-key": cls.secret}, ["127.0.0.1:xfr-key"]).__enter__()
        cls.port = cls.primary.port

    @classmethod
    def tearDownClass(cls):
        cls.primary.__exit__(None, None, None)

    def test_a_signed_axfr_of_a_zone_over_64_kib_comes_whole_in_several_signed_messages(self):
        started = time.monotonic()
        messages = axfr(self.port, BIG, self.key)  # dnspython checks every TSIG, chained
        took = time.monotonic() - started
        size = sum(len(m.to_wire()) for m in messages)
        self.assertGreater(size, 65536)
        self.assertGreater(len(messages), 1)
        expected = dns.zone.from_text(big_zone(), origin=BIG, relativize=False)
        want = {(n.to_text(), rds.ttl, dns.rdatatype.to_text(rds.rdtype), rd.to_text())
                for n, rds in expected.iterate_rdatasets() if rds.rdtype != dns.rdatatype.SOA for rd in rds}
        self.assertEqual(record_set(messages), want)
        answers = [rr for m in messages for rr in m.answer]
        self.assertEqual(answers[0].rdtype, dns.rdatatype.SOA)
        self.assertEqual(answers[-1].rdtype, dns.rdatatype.SOA)
        print(f"\nAXFR of {BIG} ({len(want) + 1} records, {size} bytes): {len(messages)} messages "
              f"in {took * 1000:.1f} ms (dnspython, TSIG checked on each)")

    def test_unsigned_or_wrongly_signed_transfers_are_refused(self):
        q = dns.message.make_query(BIG, "AXFR")
        self.assertEqual(dns.message.from_wire(raw_tcp_reply(self.port, q.to_wire())).rcode(),
                         dns.rcode.REFUSED)

        wrong = key("xfr-key", new_secret())  # the right name, another secret
        q = dns.message.make_query(BIG, "AXFR")
        q.use_tsig(wrong)
        reply = raw_tcp_reply(self.port, q.to_wire())
        self.assertEqual(reply[3] & 0xf, dns.rcode.NOTAUTH)
        with self.assertRaises(dns.tsig.PeerBadSignature):
            dns.message.from_wire(reply, keyring={wrong.name: wrong}, request_mac=q.mac)

        stranger = key("stranger", new_secret())  # a key we do not know
        q = dns.message.make_query(BIG, "AXFR")
        q.use_tsig(stranger)
        reply = raw_tcp_reply(self.port, q.to_wire())
        self.assertEqual(reply[3] & 0xf, dns.rcode.NOTAUTH)
        with self.assertRaises(dns.tsig.PeerBadKey):
            dns.message.from_wire(reply, keyring={stranger.name: stranger}, request_mac=q.mac)

        q = dns.message.make_query(BIG, "AXFR")
        q.use_tsig(self.key)
        real_time = time.time
        time.time = lambda: real_time() - 1000  # a client whose clock is off
        try:
            wire = q.to_wire()
        finally:
            time.time = real_time
        reply = raw_tcp_reply(self.port, wire)
        self.assertEqual(reply[3] & 0xf, dns.rcode.NOTAUTH)
        with self.assertRaises(dns.tsig.PeerBadTime):
            dns.message.from_wire(reply, keyring={self.key.name: self.key}, request_mac=q.mac)

        m = self.primary.metrics()
        self.assertGreaterEqual(metric(m, "phx_dnsd_tsig_errors_total", '{error="BADSIG"}'), 1)
        self.assertGreaterEqual(metric(m, "phx_dnsd_tsig_errors_total", '{error="BADKEY"}'), 1)
        self.assertGreaterEqual(metric(m, "phx_dnsd_tsig_errors_total", '{error="BADTIME"}'), 1)
        self.assertGreaterEqual(metric(m, "phx_dnsd_transfers_refused_total", '{reason="refused"}'), 1)
        self.assertNotIn(self.secret, self.primary.log())

    def test_over_udp_axfr_is_notimp_and_ixfr_one_signed_soa(self):
        q = dns.message.make_query(BIG, "AXFR")
        q.use_tsig(self.key)
        r = dns.query.udp(q, LOCALHOST, port=self.port, timeout=2)
        self.assertEqual(r.rcode(), dns.rcode.NOTIMP)
        q = dns.message.make_query(SMALL, "IXFR")
        q.authority.append(dns.rrset.from_text(SMALL, 0, "IN", "SOA", ". . 0 0 0 0 0"))
        q.use_tsig(self.key)
        r = dns.query.udp(q, LOCALHOST, port=self.port, timeout=2)  # dnspython checks the TSIG
        self.assertEqual(r.rcode(), dns.rcode.NOERROR)
        self.assertEqual([rr.rdtype for rr in r.answer], [dns.rdatatype.SOA])
        self.assertTrue(r.had_tsig)

    def test_a_signed_soa_query_is_answered_and_signed_over_udp_and_tcp(self):
        for send in (dns.query.udp, dns.query.tcp):
            q = dns.message.make_query(SMALL, "SOA")
            q.use_tsig(self.key)
            r = send(q, LOCALHOST, port=self.port, timeout=2)
            self.assertTrue(r.had_tsig)
            self.assertEqual(r.answer[0][0].serial, 1)

    def test_kdig_and_dig_transfer_with_tsig(self):
        out = subprocess.run(["kdig", "-y", f"hmac-sha256:xfr-key:{self.secret}", f"@{LOCALHOST}",
                              "-p", str(self.port), "AXFR", BIG], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        m = re.search(r"Received (\d+) B \((\d+) messages, (\d+) records\)", out.stdout)
        self.assertIsNotNone(m, out.stdout[-2000:])
        self.assertGreater(int(m.group(2)), 1)
        self.assertEqual(int(m.group(3)), 2 * BIG_NAMES + 4)
        self.assertNotIn("WARNING", out.stdout + out.stderr)
        print(f"\nkdig AXFR {BIG}: {m.group(0)}")

        out = subprocess.run(["dig", "-y", f"hmac-sha256:xfr-key:{self.secret}", f"@{LOCALHOST}",
                              "-p", str(self.port), "AXFR", BIG], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, rf"XFR size: {2 * BIG_NAMES + 4} records \(messages \d+")
        self.assertNotIn("tsig verify failure", out.stdout + out.stderr)
        self.assertNotIn("Transfer failed", out.stdout)


if __name__ == "__main__":
    unittest.main()

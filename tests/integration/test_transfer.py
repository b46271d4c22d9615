# SPDX-License-Identifier: GPL-3.0-or-later
"""Zone transfers to real secondaries: NSD and Knot (Debian packages) load
phx-dnsd's zones by AXFR with TSIG (hmac-sha256) on loopback, follow
every new serial within 3 s of the SIGHUP that brings it (NOTIFY: their
refresh timers are a day long), by IXFR, also when the serial policy set
the serial; a zone larger than 64 KiB arrives whole. And the other side:
unsigned and wrongly signed transfers refused (dnspython, kdig and dig,
with and without -y), an IXFR the journal does not reach answered with
the whole zone, a NOTIFY nobody answers sent again until one does."""

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
import threading
import time
import unittest
import urllib.request

import dns.exception
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import dns.zone

from phxdns import DNSD, LOCALHOST, SOURCE_DIR, Dnsd, free_port, read_framed
from secondaries import Secondary, knot_snippet, nsd_snippet

SMALL = "xfr.test."
BIG = "big.test."
BIG_NAMES = 1500


def small_zone(version, file_serial=None):
    """Version `version` of xfr.test: www and v change with it, and each
    version adds a name of its own (so IXFR has removals and additions).
    Its SOA says serial `version` unless `file_serial` is given (an edit
    that forgot the serial, left to the serial policy)."""
    serial = version if file_serial is None else file_serial
    added = "".join(f"new{n} A 198.51.100.{n}\n" for n in range(2, version + 1))
    return f"""$TTL 300
@ SOA ns1 hostmaster {serial} 86400 3600 1209600 60
@ NS ns1
ns1 A 127.0.0.1
www A 192.0.2.{version}
v TXT "version {version}"
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

    def __init__(self, keys, allow, notify_targets=(), serial_policy="keep", journal_versions=20):
        self.dir = tempfile.mkdtemp(prefix="phx-primary-")
        self.small = os.path.join(self.dir, "xfr.test.zone")
        write(self.small, small_zone(1))
        write(os.path.join(self.dir, "big.test.zone"), big_zone())
        self.config = os.path.join(self.dir, "phx-dnsd.toml")
        self.keys = keys
        self.allow = allow
        self.notify_targets = list(notify_targets)
        self.serial_policy = serial_policy
        self.journal_versions = journal_versions
        self.metrics_port = free_port()
        self.dnsd = Dnsd("--metrics-listen", f"127.0.0.1:{self.metrics_port}", config=self.config,
                         zones=())
        self.port = self.dnsd.port

    def write_config(self):
        text = f'[server]\nserial_policy = "{self.serial_policy}"\n'
        text += '[[zone]]\nfile = "xfr.test.zone"\n[[zone]]\nfile = "big.test.zone"\n'
        for name, secret in self.keys.items():
            # As packaged: the secret in a file of its own, not readable by everyone.
            write(os.path.join(self.dir, f"{name}.key"), secret + "\n", mode=0o640)
            text += f'[[tsig_key]]\nname = "{name}"\nalgorithm = "hmac-sha256"\nsecret_file = "{name}.key"\n'
        text += "[transfer]\nallow = [{}]\nnotify = [{}]\njournal_versions = {}\n".format(
            ", ".join(f'"{a}"' for a in self.allow), ", ".join(f'"{n}"' for n in self.notify_targets),
            self.journal_versions)
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

    def log_with(self, *texts, timeout=5.0):
        """The log once it holds each of `texts`, or after `timeout` s as it
        is then. phx-dnsd writes a reply's line once its last message is
        sent (to say whether the connection held), and a client can have
        read that message before: reading the log at once raced it (an
        ASan+UBSan run here missed an IXFR line)."""
        deadline = time.monotonic() + timeout
        while True:
            log = self.log()
            if all(text in log for text in texts) or time.monotonic() > deadline:
                return log
            time.sleep(0.01)

    def metrics(self):
        return scrape(self.metrics_port)

    def serve_version(self, version, file_serial=None, serial=None):
        """Writes version `version` of xfr.test, sends SIGHUP and waits
        until phx-dnsd serves `serial` (default: the file's); returns the
        time of the SIGHUP (time.monotonic())."""
        write(self.small, small_zone(version, file_serial))
        sent = time.monotonic()
        self.dnsd.proc.send_signal(signal.SIGHUP)
        want = serial or file_serial or version
        while self.dnsd.query(SMALL, "SOA", timeout=1).answer[0][0].serial != want:
            if time.monotonic() - sent > 10:
                raise AssertionError(f"phx-dnsd does not serve serial {want}: {self.log()}")
            time.sleep(0.005)
        return sent


class SecondaryTests(unittest.TestCase):
    def test_nsd_and_knot_load_by_axfr_and_follow_each_serial_by_notify_and_ixfr(self):
        secrets = {"nsd-key": new_secret(), "knot-key": new_secret()}
        # increment: an edit that forgets the serial is still served under a new one.
        primary = Primary(secrets, ["127.0.0.1:nsd-key", "127.0.0.1:knot-key"],
                          serial_policy="increment")
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

            # Versions 2 and 3 carry their serial; version 4 is an edit that
            # kept serial 3, served as 4 by the serial policy.
            for serial, file_serial in ((2, None), (3, None), (4, 3)):
                sent = primary.serve_version(serial, file_serial, serial)
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
                for before, after in ((1, 2), (2, 3), (3, 4)):
                    self.assertRegex(log, rf"IXFR of {re.escape(SMALL)} serial {before} -> {after} "
                                          rf"to 127\.0\.0\.1 \(key {k}\.\)",
                                     f"the {k} secondary did not take serial {after} by IXFR:\n{log}")
                # A secondary that could not apply an IXFR asks for the whole zone.
                self.assertEqual(log.count(f"AXFR of {SMALL} serial 1 to 127.0.0.1 (key {k}.)"), 1, log)
                self.assertNotRegex(log, rf"AXFR of {re.escape(SMALL)} serial [234] .*key {k}\.", log)
            self.assertRegex(knot.read_log(), r"\[xfr\.test\.\] IXFR, incoming, .* finished")
            self.assertNotIn("fallback to AXFR", knot.read_log())
            self.assertIn("reload: zone xfr.test. changed, serial 3 -> 4 from", log)
            self.assertRegex(log, r"NOTIFY for xfr\.test\. serial 4 to 127\.0\.0\.1:\d+ "
                                  r"\(key nsd-key\.\): acknowledged")
            self.assertNotIn(secrets["nsd-key"], log)
            self.assertNotIn(secrets["knot-key"], log)
            m = primary.metrics()
            self.assertGreaterEqual(metric(m, "phx_dnsd_transfers_total", '{type="ixfr"}'), 6)
            self.assertGreaterEqual(metric(m, "phx_dnsd_transfers_total", '{type="axfr"}'), 4)
            self.assertGreaterEqual(metric(m, "phx_dnsd_notify_total", '{result="acknowledged"}'), 6)
            self.assertEqual(metric(m, "phx_dnsd_notify_pending"), 0)
            self.assertEqual(metric(m, "phx_dnsd_journal_versions", '{zone="xfr.test."}'), 3)
            for line in log.splitlines():
                if "IXFR" in line or "NOTIFY for xfr.test. serial 4" in line:
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

    def test_a_refused_transfer_is_counted_by_the_time_its_reply_is_read(self):
        # The TCP path counts a reply when its last message is ready; counted
        # after the write, a scrape right after the reply could miss it.
        # A primary of its own: forty refusals spend the shared primary's
        # budget of refusal lines (20 at once, 5 a second), and the test
        # that reads those lines from its log then found one left out.
        series = ("phx_dnsd_transfers_refused_total", '{reason="refused"}')
        with Primary({"xfr-key": self.secret}, ["127.0.0.1:xfr-key"]) as primary:
            before = metric(primary.metrics(), *series)
            for i in range(1, 41):
                q = dns.message.make_query(BIG, "AXFR")
                reply = raw_tcp_reply(primary.port, q.to_wire())
                self.assertEqual(dns.message.from_wire(reply).rcode(), dns.rcode.REFUSED)
                self.assertEqual(metric(primary.metrics(), *series), before + i)

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

    def test_kdig_and_dig_without_the_key_or_with_a_wrong_one_get_nothing(self):
        wrong = new_secret()
        for tsig, error in (([], "REFUSED"), (["-y", f"hmac-sha256:xfr-key:{wrong}"], "BADSIG"),
                            (["-y", f"hmac-sha256:stranger:{wrong}"], "BADKEY")):
            out = subprocess.run(["kdig", *tsig, f"@{LOCALHOST}", "-p", str(self.port), "AXFR", BIG],
                                 capture_output=True, text=True, timeout=30)
            self.assertNotEqual(out.returncode, 0, out.stdout)
            self.assertIn(f"server replied with error '{error}'", out.stderr)
            self.assertNotIn("\tSOA\t", out.stdout)  # not one record of the zone

            out = subprocess.run(["dig", *tsig, f"@{LOCALHOST}", "-p", str(self.port), "AXFR", BIG],
                                 capture_output=True, text=True, timeout=30)
            self.assertIn("; Transfer failed.", out.stdout)
            self.assertNotIn("\tSOA\t", out.stdout)
            if tsig:  # NOTAUTH carries the TSIG error, unsigned (RFC 8945 §5.3.2)
                self.assertRegex(out.stdout, rf"TSIG\s+hmac-sha256\. \d+ 300 0 \d+ {error} 0")
        refusals = (f"AXFR for {BIG} from 127.0.0.1 answered REFUSED: no [transfer] allow entry "
                    "for 127.0.0.1 unsigned",
                    f"AXFR for {BIG} from 127.0.0.1 answered NOTAUTH: TSIG BADSIG with key xfr-key.",
                    f"AXFR for {BIG} from 127.0.0.1 answered NOTAUTH: TSIG BADKEY with key "
                    "stranger.")
        log = self.primary.log_with(*refusals)
        for refusal in refusals:
            self.assertIn(refusal, log)
        self.assertNotIn(wrong, log)


class JournalTests(unittest.TestCase):
    def test_ixfr_from_the_journal_or_the_whole_zone_when_it_does_not_reach_back(self):
        """One version of history (journal_versions = 1), serials set by
        the serial policy: the file says 1 throughout, phx-dnsd serves 1,
        2, 3 and IXFR speaks of those."""
        secret = new_secret()
        k = key("xfr-key", secret)
        with Primary({"xfr-key": secret}, ["127.0.0.1:xfr-key"], serial_policy="increment",
                     journal_versions=1) as primary:
            primary.serve_version(2, file_serial=1, serial=2)
            primary.serve_version(3, file_serial=1, serial=3)

            def ixfr(serial):
                messages = list(dns.query.xfr(LOCALHOST, SMALL, rdtype=dns.rdatatype.IXFR,
                                              serial=serial, port=primary.port, timeout=10,
                                              relativize=False, keyring={k.name: k},
                                              keyname=k.name, keyalgorithm=k.algorithm))
                return [(rr.rdtype, rd.serial if rr.rdtype == dns.rdatatype.SOA else rd.to_text())
                        for m in messages for rr in m.answer for rd in rr]

            def sections(records):
                """[(SOA serial, {records up to the next SOA})]"""
                out = []
                for rdtype, value in records:
                    if rdtype == dns.rdatatype.SOA:
                        out.append((value, set()))
                    else:
                        out[-1][1].add((dns.rdatatype.to_text(rdtype), value))
                return out

            # From 2: the one difference the journal holds (RFC 1995 §4):
            # new SOA, old SOA and what went, new SOA and what came, new SOA.
            self.assertEqual(sections(ixfr(2)), [
                (3, set()),
                (2, {("TXT", '"version 2"'), ("A", "192.0.2.2")}),
                (3, {("TXT", '"version 3"'), ("A", "192.0.2.3"), ("A", "198.51.100.3")}),
                (3, set())])
            # From 1: beyond the journal, the whole zone, AXFR-style.
            whole = sections(ixfr(1))
            self.assertEqual([serial for serial, _ in whole], [3, 3])
            self.assertEqual(len(whole[0][1]), 6)  # NS, ns1, www, v, new2, new3
            self.assertIn(("A", "198.51.100.2"), whole[0][1])
            self.assertEqual(ixfr(3), [(dns.rdatatype.SOA, 3)])  # current: one SOA
            ixfr_line = f"IXFR of {SMALL} serial 2 -> 3 to 127.0.0.1 (key xfr-key.)"
            whole_line = f"IXFR (whole zone) of {SMALL} serial 1 -> 3 to 127.0.0.1"
            log = primary.log_with(ixfr_line, whole_line)
            self.assertIn(ixfr_line, log)
            self.assertIn(whole_line, log)
            m = primary.metrics()
            self.assertEqual(metric(m, "phx_dnsd_transfers_total", '{type="ixfr_full"}'), 1)
            self.assertEqual(metric(m, "phx_dnsd_journal_versions", '{zone="xfr.test."}'), 1)


class NotifyRetryTests(unittest.TestCase):
    def test_an_unanswered_notify_is_sent_again_until_it_is_acknowledged(self):
        """A stand-in secondary that ignores the first two NOTIFYs for
        xfr.test: phx-dnsd sends again after 2 s, then after 4 s, a new ID
        and a new signature each time, and stops once acknowledged."""
        secret = new_secret()
        k = key("notify-key", secret)
        seen = []  # (monotonic time, message) for each NOTIFY for xfr.test
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((LOCALHOST, 0))
        sock.settimeout(0.2)
        stop = threading.Event()

        def secondary():
            while not stop.is_set():
                try:
                    data, peer = sock.recvfrom(65535)
                except socket.timeout:
                    continue
                q = dns.message.from_wire(data, keyring={k.name: k})  # checks our TSIG
                if q.question[0].name.to_text() == SMALL:
                    seen.append((time.monotonic(), q))
                    if len(seen) <= 2:
                        continue  # lost, as far as phx-dnsd can tell
                sock.sendto(dns.message.make_response(q).to_wire(), peer)  # signed, as q was

        thread = threading.Thread(target=secondary, daemon=True)
        thread.start()
        try:
            target = f"127.0.0.1:{sock.getsockname()[1]}:notify-key"
            with Primary({"notify-key": secret}, [], notify_targets=[target]) as primary:
                deadline = time.monotonic() + 15
                while "acknowledged" not in primary.log() or len(seen) < 3:
                    self.assertLess(time.monotonic(), deadline, primary.log())
                    time.sleep(0.05)
                time.sleep(2.5)  # no fourth one comes
                log = primary.log()
                m = primary.metrics()
        finally:
            stop.set()
            thread.join()
            sock.close()
        self.assertEqual(len(seen), 3, [q.id for _, q in seen])
        self.assertEqual(len({q.id for _, q in seen}), 3)
        for _, q in seen:
            self.assertEqual(q.opcode(), dns.opcode.NOTIFY)
            self.assertTrue(q.had_tsig)
            self.assertEqual(q.answer[0][0].serial, 1)
        gaps = [seen[i + 1][0] - seen[i][0] for i in range(2)]
        self.assertAlmostEqual(gaps[0], 2.0, delta=0.5)
        self.assertAlmostEqual(gaps[1], 4.0, delta=0.5)
        self.assertRegex(log, r"NOTIFY for xfr\.test\. serial 1 to 127\.0\.0\.1:\d+ \(key "
                              r"notify-key\.\): acknowledged after 3 attempt\(s\)")
        self.assertEqual(metric(m, "phx_dnsd_notify_retries_total"), 2)
        self.assertEqual(metric(m, "phx_dnsd_notify_total", '{result="acknowledged"}'), 2)
        self.assertEqual(metric(m, "phx_dnsd_notify_pending"), 0)
        print(f"\nNOTIFY sent again after {gaps[0]:.2f} s and {gaps[1]:.2f} s; acknowledged the third")


class ReadmeTests(unittest.TestCase):
    """The README's "More than one nameserver" shows what runs here: the
    NSD and Knot snippets are the ones the secondaries above are configured
    with (up to addresses, paths and the secret), and the phx-dnsd side
    passes --check."""

    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SOURCE_DIR, "README.md")) as f:
            readme = f.read()
        start = readme.index("### More than one nameserver\n")
        end = readme.index("\n### ", start + 1)
        cls.section = readme[start:end]

    def test_the_nsd_and_knot_snippets_are_the_ones_the_secondaries_here_run(self):
        zones = ["internal.thinkheads.ai", "0.0.10.in-addr.arpa"]
        secret = "<the base64 in /etc/phoenix/xfr-key.secret>"
        self.assertIn(nsd_snippet("10.0.0.13", 53, "xfr-key", secret, zones, "/var/lib/nsd"),
                      self.section)
        self.assertIn(knot_snippet("10.0.0.13", 53, "xfr-key", secret, zones), self.section)

    def test_the_primary_side_passes_check(self):
        block = re.search(r"```toml\n(.*?)```", self.section, re.S).group(1)
        with tempfile.TemporaryDirectory(prefix="phx-readme-") as d:
            secret = os.path.join(d, "xfr-key.secret")
            write(secret, new_secret() + "\n", mode=0o640)
            config = os.path.join(d, "phx-dnsd.toml")
            write(config, block.replace("/etc/phoenix/xfr-key.secret", secret))
            zone = os.path.join(d, "xfr.test.zone")
            write(zone, small_zone(1))
            out = subprocess.run([DNSD, "--check", "--config", config, "--zone", zone,
                                  "--listen", "127.0.0.1:53"], capture_output=True, text=True,
                                 timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("transfers allowed to 10.0.0.20 with key xfr-key.", out.stdout)
        self.assertIn("NOTIFY to 10.0.0.21:53 with key xfr-key.", out.stdout)


if __name__ == "__main__":
    unittest.main()

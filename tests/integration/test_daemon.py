# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-dnsd as a daemon: SIGHUP reloads under load without losing or mixing
answers, broken zones and bad configs never replace good ones, systemd
notifications, dropping root, graceful stop, Prometheus metrics."""

import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

from phxdns import LOCALHOST, MAIN_ZONE, Dnsd, free_port, parse, raw_query, read_framed, write_config


def reload_zone(version, broken=False):
    """Version N of reload.test: every name depends on N, so an answer that
    mixed two versions would show."""
    text = f"""$TTL 60
@ SOA ns1 hostmaster {version} 3600 900 1209600 60
@ NS ns1
ns1 A 192.0.2.1
alias CNAME target-{version}
target-{version} A 10.{version}.0.1
v TXT "{version}"
"""
    if broken:
        text += "alias A 192.0.2.99\n"  # beside the CNAME: the loader must refuse this
    return text


class ReloadTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phx-reload-")
        self.zone = os.path.join(self.dir, "reload.test.zone")
        self.write(1)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, version, broken=False):
        # Like an editor saving: write aside, then rename over the file.
        tmp = self.zone + ".tmp"
        with open(tmp, "w") as f:
            f.write(reload_zone(version, broken))
        os.rename(tmp, self.zone)

    def serial(self, server):
        return server.query("reload.test", "SOA").answer[0][0].serial

    def reload_to(self, server, version):
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while self.serial(server) != version:
            self.assertLess(time.monotonic(), deadline, f"serial {version} never appeared")
            time.sleep(0.01)

    def check_answer(self, reply):
        """(version, problem): the version the answer comes from, or why it is wrong."""
        if reply.rcode() != dns.rcode.NOERROR:
            return None, f"rcode {dns.rcode.to_text(reply.rcode())}"
        names = [(r.rdtype, r.name.to_text(), [x.to_text() for x in r]) for r in reply.answer]
        if len(names) != 2 or names[0][0] != dns.rdatatype.CNAME:
            return None, f"unexpected answer {names}"
        version = int(names[0][2][0].split(".")[0].removeprefix("target-"))
        if names[1][1] != f"target-{version}.reload.test." or names[1][2] != [f"10.{version}.0.1"]:
            return None, f"mixed answer {names}"
        return version, None

    def test_twenty_reloads_under_udp_and_tcp_load_lose_and_mix_nothing(self):
        with Dnsd(zones=(self.zone,)) as server:
            stop = threading.Event()
            stats = {"udp": [0, []], "tcp": [0, []]}
            seen = set()

            def client(transport):
                sock = None
                if transport == "tcp":
                    sock = socket.create_connection((LOCALHOST, server.port))
                try:
                    while not stop.is_set():
                        q = dns.message.make_query("alias.reload.test", "A")
                        try:
                            if transport == "udp":
                                r = dns.query.udp(q, LOCALHOST, port=server.port, timeout=2)
                            else:
                                r = dns.query.tcp(q, LOCALHOST, port=server.port, timeout=2, sock=sock)
                        except Exception as e:  # a lost or broken answer
                            stats[transport][1].append(f"{type(e).__name__}: {e}")
                            continue
                        stats[transport][0] += 1
                        version, problem = self.check_answer(r)
                        if problem:
                            stats[transport][1].append(problem)
                        else:
                            seen.add(version)
                finally:
                    if sock:
                        sock.close()

            threads = [threading.Thread(target=client, args=(t,)) for t in ("udp", "tcp", "udp", "tcp")]
            for t in threads:
                t.start()
            def answered_since(counts):
                return min(stats[t][0] - counts[t] for t in counts)

            try:
                for version in range(2, 22):
                    # Let every kind of client get answers from this version first.
                    counts = {t: stats[t][0] for t in stats}
                    deadline = time.monotonic() + 10
                    while answered_since(counts) < 10:
                        self.assertLess(time.monotonic(), deadline, "the clients stopped getting answers")
                        time.sleep(0.01)
                    self.write(version)
                    self.reload_to(server, version)
            finally:
                time.sleep(0.1)
                stop.set()
                for t in threads:
                    t.join()
            print(f"\n20 reloads: {stats['udp'][0]} UDP and {stats['tcp'][0]} TCP answers, "
                  f"{len(stats['udp'][1]) + len(stats['tcp'][1])} problems, versions seen {sorted(seen)}")
            self.assertEqual(stats["udp"][1] + stats["tcp"][1], [])
            self.assertGreaterEqual(stats["udp"][0], 200)
            self.assertGreaterEqual(stats["tcp"][0], 200)
            self.assertGreaterEqual(len(seen), 15)  # answers really did come from many versions
            self.assertIn("reload: zone reload.test. changed, serial 20 -> 21", server.log())

    def test_a_broken_zone_is_logged_with_its_line_and_the_old_one_keeps_serving(self):
        with Dnsd(zones=(self.zone,)) as server:
            self.write(2, broken=True)
            server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "reload failed" not in server.log():
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.02)
            self.assertEqual(self.serial(server), 1)
            self.assertEqual(str(server.query("alias.reload.test", "A").answer[1][0]), "10.1.0.1")
            self.assertRegex(server.log(), re.escape(self.zone) + r":8: error: alias\.reload\.test\. has a CNAME")
            self.write(3)
            self.reload_to(server, 3)

    def test_a_config_or_inventory_nested_35000_levels_deep_fails_the_reload_not_the_server(self):
        """toml++ recurses per level: 35,000 dotted parts (80 KB) overflowed
        its stack and killed the daemon at SIGHUP. The limit is checked
        before toml++ sees the text; the old configuration keeps serving."""
        port = free_port()
        config = os.path.join(self.dir, "phx-dnsd.toml")
        good = f'[server]\nlisten = ["127.0.0.1:{port}"]\n[[zone]]\nfile = "{self.zone}"\n'
        with open(config, "w") as f:
            f.write(good)
        server = Dnsd(config=config, listen=False, zones=())
        server.port = port
        server.probe_name = "reload.test"
        deep = "a" + ".a" * 35000 + " = 1\n"
        with server:
            with open(config, "w") as f:
                f.write(good + deep)
            server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "reload failed" not in server.log():
                self.assertLess(time.monotonic(), deadline, server.log())
                time.sleep(0.02)
            self.assertRegex(server.log(), re.escape(config) + r":5:\d+: error: a key of more than 64 levels")
            self.assertEqual(self.serial(server), 1)
            # The inventory, read at every reload too, gets the same limit.
            rules = os.path.join(self.dir, "rules.toml")
            with open(rules, "w") as f:
                f.write(deep)
            with open(config, "w") as f:
                f.write(good + f'[inventory]\nfile = "{rules}"\n')
            server.proc.send_signal(signal.SIGHUP)
            while server.log().count("reload failed") < 2:
                self.assertLess(time.monotonic(), deadline + 5, server.log())
                time.sleep(0.02)
            self.assertRegex(server.log(), re.escape(rules) + r":1:\d+: error: a key of more than 64 levels")
            self.assertIsNone(server.proc.poll())
            self.assertEqual(self.serial(server), 1)

    def test_a_config_forwarding_to_ourselves_is_refused_at_reload(self):
        port = free_port()
        config = os.path.join(self.dir, "phx-dnsd.toml")
        with open(config, "w") as f:
            f.write(f'[server]\nlisten = ["127.0.0.1:{port}"]\n[[zone]]\nfile = "{self.zone}"\n')
        server = Dnsd(config=config, listen=False, zones=())
        server.port = port
        server.probe_name = "reload.test"
        with server:
            with open(config, "a") as f:
                f.write(f'[forward]\nupstreams = ["127.0.0.1:{port}"]\n')
            self.write(2)
            server.proc.send_signal(signal.SIGHUP)
            deadline = time.monotonic() + 5
            while "reload failed" not in server.log():
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.02)
            self.assertIn(f"{config}:6:14: error: upstream 127.0.0.1:{port} is one of phx-dnsd's own listen "
                          "addresses", server.log())
            self.assertEqual(self.serial(server), 1)


def inventory_rules(guests):
    """A phx-fw rules file (its inventory is all phx-dnsd reads) with the
    hypervisor 192.0.2.1 and `guests`: [(id, name, address)]."""
    text = '[hypervisor]\nname = "hv"\naddress = "192.0.2.1"\nnetwork = "192.0.2.0/24"\nbridge = "vmbr0"\n'
    for vmid, name, address in guests:
        text += f'\n[[guest]]\nid = {vmid}\nkind = "lxc"\nname = "{name}"\naddress = "{address}"\n'
    return text


class InventoryReloadTests(unittest.TestCase):
    """phx-dnsd --inventory: the rules file is read again at every SIGHUP."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="phx-inventory-")
        self.zone = os.path.join(self.dir, "lab.test.zone")
        with open(self.zone, "w") as f:
            f.write("$TTL 60\n@ SOA ns1 hostmaster 5 3600 900 1209600 60\n@ NS ns1\nns1 A 192.0.2.1\n"
                    "www A 192.0.2.10\n")
        self.rules = os.path.join(self.dir, "rules.toml")
        self.write_rules([(101, "web", "192.0.2.10")])

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write_rules(self, guests, extra=""):
        with open(self.rules + ".tmp", "w") as f:
            f.write(inventory_rules(guests) + extra)
        os.rename(self.rules + ".tmp", self.rules)

    @staticmethod
    def serials(server):
        return (server.query("lab.test", "SOA").answer[0][0].serial,
                server.query("2.0.192.in-addr.arpa", "SOA").answer[0][0].serial)

    @staticmethod
    def names(server, name, rdtype):
        reply = server.query(name, rdtype)
        return reply.rcode(), [r.to_text() for rrset in reply.answer for r in rrset]

    def reload_until(self, server, done):
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 5
        while not done():
            self.assertLess(time.monotonic(), deadline, server.log())
            time.sleep(0.02)

    def test_a_host_added_to_the_inventory_is_served_at_reload_under_a_grown_serial(self):
        with Dnsd("--inventory", self.rules, "--serial-policy", "increment", zones=(self.zone,)) as server:
            self.assertEqual(self.names(server, "web.hosts.lab.test", "A"), (dns.rcode.NOERROR, ["192.0.2.10"]))
            self.assertEqual(self.names(server, "10.2.0.192.in-addr.arpa", "PTR"),
                             (dns.rcode.NOERROR, ["web.hosts.lab.test."]))
            self.assertEqual(self.names(server, "db.hosts.lab.test", "A")[0], dns.rcode.NXDOMAIN)
            self.assertEqual(self.serials(server), (5, 5))
            self.write_rules([(101, "web", "192.0.2.10"), (102, "db", "192.0.2.20")])
            self.reload_until(server, lambda: self.names(server, "db.hosts.lab.test", "A")[1] == ["192.0.2.20"])
            self.assertEqual(self.names(server, "20.2.0.192.in-addr.arpa", "PTR")[1], ["db.hosts.lab.test."])
            self.assertEqual(self.serials(server), (6, 6))
            self.assertIn("reload: zone lab.test. changed, serial 5 -> 6", server.log())
            # Nothing changed: the serial stays.
            self.reload_until(server, lambda: server.log().count("reload: zone lab.test.") == 2)
            self.assertIn(f"reload: zone lab.test. unchanged, serial 6 ({self.zone} and what it includes "
                          "are as they were loaded: not read again)", server.log())
            self.assertEqual(self.serials(server), (6, 6))

    def test_under_keep_a_change_without_a_new_serial_is_reported(self):
        with Dnsd("--inventory", self.rules, zones=(self.zone,)) as server:
            self.write_rules([(101, "web", "192.0.2.10"), (102, "db", "192.0.2.20")])
            self.reload_until(server, lambda: "did not grow" in server.log())
            self.assertIn("warning: reload: zone lab.test. changed but its serial 5 did not grow", server.log())
            self.assertEqual(self.names(server, "db.hosts.lab.test", "A")[1], ["192.0.2.20"])
            self.assertEqual(self.serials(server), (5, 5))

    def test_a_broken_inventory_at_reload_keeps_the_names_served_before(self):
        with Dnsd("--inventory", self.rules, zones=(self.zone,)) as server:
            self.write_rules([(101, "web", "192.0.2.10"), (102, "db", "198.51.100.20")])
            self.reload_until(server, lambda: "reload failed" in server.log())
            self.assertRegex(server.log(), re.escape(self.rules) + r":\d+:\d+: error: .*198\.51\.100\.20")
            self.assertEqual(self.names(server, "web.hosts.lab.test", "A")[1], ["192.0.2.10"])
            self.assertEqual(self.names(server, "db.hosts.lab.test", "A")[0], dns.rcode.NXDOMAIN)
            # A zone file taking a host's name is refused too, naming both files.
            self.write_rules([(101, "web", "192.0.2.10")])
            with open(self.zone, "a") as f:
                f.write("web.hosts A 192.0.2.99\n")
            self.reload_until(server, lambda: server.log().count("reload failed") == 2)
            self.assertIn(f"{self.zone}:6: error: web.hosts.lab.test. is a host name from the inventory "
                          f"({self.rules}:", server.log())
            self.assertEqual(self.names(server, "web.hosts.lab.test", "A")[1], ["192.0.2.10"])


class DaemonTests(unittest.TestCase):
    def test_systemd_hears_ready_reloading_and_stopping(self):
        d = tempfile.mkdtemp(prefix="phx-notify-")
        path = os.path.join(d, "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
            notify.bind(path)
            notify.settimeout(5)
            try:
                server = Dnsd(env={"NOTIFY_SOCKET": path}).__enter__()
                self.assertIn("READY=1", notify.recv(4096).decode())
                server.proc.send_signal(signal.SIGHUP)
                self.assertIn("RELOADING=1", notify.recv(4096).decode())
                self.assertIn("READY=1", notify.recv(4096).decode())
                server.__exit__(None, None, None)
                self.assertIn("STOPPING=1", notify.recv(4096).decode())
            finally:
                shutil.rmtree(d, ignore_errors=True)

    def test_it_gives_up_root_after_binding_and_keeps_serving(self):
        nobody = pwd.getpwnam("nobody")
        with Dnsd("--user", "nobody") as server:
            with open(f"/proc/{server.proc.pid}/status") as f:
                status = f.read()
            uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
            gids = re.search(r"^Gid:\s+(\d+)\s+(\d+)\s+(\d+)", status, re.M).groups()
            self.assertEqual(uids, (str(nobody.pw_uid),) * 3)
            self.assertEqual(gids, (str(nobody.pw_gid),) * 3)
            self.assertRegex(status, r"Groups:\s*\n")
            self.assertEqual(str(server.query("traefik.internal.thinkheads.ai", "A").answer[0][0]), "10.0.0.153")
            self.assertEqual(str(server.query("traefik.internal.thinkheads.ai", "A", tcp=True).answer[0][0]),
                             "10.0.0.153")

    def test_an_unknown_user_is_a_clear_error(self):
        out = subprocess.run([Dnsd().args[0], "--listen", f"127.0.0.1:{free_port()}", "--zone", MAIN_ZONE,
                              "--user", "no-such-user-here"], capture_output=True, text=True, timeout=10)
        self.assertEqual(out.returncode, 1)
        self.assertIn("cannot run as user 'no-such-user-here': no such user", out.stderr)

    def test_sigterm_finishes_answers_in_flight_and_exits_zero(self):
        server = Dnsd().__enter__()
        try:
            with server.connect_tcp(timeout=5) as s:
                queries = b"".join(struct.pack("!H", len(q)) + q for q in
                                   (raw_query("huge.phx.test", qtype=16, qid=i) for i in range(200)))
                s.sendall(queries)
                replies = [parse(read_framed(s))]  # the session is busy with them now
                server.proc.send_signal(signal.SIGTERM)
                while (r := read_framed(s)) is not None:
                    replies.append(parse(r))  # a cut-off reply would not parse
            self.assertGreaterEqual(len(replies), 1)
            for i, r in enumerate(replies):
                self.assertEqual(r.id, i)
                self.assertEqual(len(r.answer[0]), 12)
            self.assertEqual(server.proc.wait(timeout=5), 0)
        finally:
            server.__exit__(None, None, None)


class MetricsTests(unittest.TestCase):
    def scrape(self, port, path="/metrics"):
        out = subprocess.run(["curl", "-sS", "-i", f"http://127.0.0.1:{port}{path}"], capture_output=True,
                             text=True, timeout=10, check=True).stdout
        head, _, body = out.partition("\n\n")  # text mode has turned CRLF into LF
        return head, body

    @staticmethod
    def value(body, series):
        match = re.search(rf"^{re.escape(series)} (\d+)$", body, re.M)
        return int(match.group(1)) if match else 0

    def test_prometheus_counters_move_with_queries_by_rcode_qtype_and_transport(self):
        port = free_port()
        with Dnsd("--metrics-listen", f"127.0.0.1:{port}") as server:
            head, before = self.scrape(port)
            self.assertIn("200 OK", head)
            self.assertIn("text/plain; version=0.0.4", head)
            a_udp = 'phx_dnsd_queries_total{transport="udp",qtype="A",rcode="NOERROR"}'
            nx_tcp = 'phx_dnsd_queries_total{transport="tcp",qtype="AAAA",rcode="NXDOMAIN"}'
            formerr = 'phx_dnsd_queries_total{transport="udp",qtype="other",rcode="FORMERR"}'  # no question parsed
            for _ in range(3):
                server.query("traefik.internal.thinkheads.ai", "A")
            server.query("nosuch.internal.thinkheads.ai", "AAAA", tcp=True)
            server.raw_udp(raw_query("nginx.internal.thinkheads.ai", qdcount=2))  # FORMERR
            server.raw_udp(b"\x01\x02\x03", timeout=0.2)  # a runt: dropped
            server.raw_udp(raw_query("nginx.internal.thinkheads.ai", flags=0x8000), timeout=0.2)  # a response
            _, after = self.scrape(port)
            self.assertEqual(self.value(after, a_udp) - self.value(before, a_udp), 3)
            self.assertEqual(self.value(after, nx_tcp) - self.value(before, nx_tcp), 1)
            self.assertEqual(self.value(after, formerr) - self.value(before, formerr), 1)
            malformed = 'phx_dnsd_malformed_total{transport="udp"}'
            self.assertEqual(self.value(after, malformed) - self.value(before, malformed), 2)
            for reason in ("runt", "response"):
                series = f'phx_dnsd_dropped_total{{reason="{reason}"}}'
                self.assertEqual(self.value(after, series) - self.value(before, series), 1, reason)
            self.assertEqual(self.value(after, 'phx_dnsd_zone_serial{zone="internal.thinkheads.ai."}'), 2026112501)
            head, _ = self.scrape(port, "/other")
            self.assertIn("404", head)


if __name__ == "__main__":
    unittest.main()

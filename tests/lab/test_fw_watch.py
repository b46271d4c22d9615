# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw watch and metrics on a real kernel: a hypervisor namespace with
bridge vmbr0 and two guests on their Proxmox-named veth ports. A connection
no row allows shows up in watch within a second, named by host, with the
nearest row and a [[rule]] that, once applied, lets it through; metrics then
counts the policy drop and the row's traffic."""

import os
import queue
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

import netns
from fwtool import PHX_FW, phx_fw, require_binaries

HYPERVISOR, NGINX, TRAEFIK = "10.0.0.13", "10.0.0.153", "10.0.0.12"
RULES = f"""[hypervisor]
name = "hypervisor"
address = "{HYPERVISOR}"
network = "10.0.0.0/24"
bridge = "vmbr0"

[[guest]]
id = 101
kind = "lxc"
name = "nginx"
address = "{NGINX}"

[[guest]]
id = 102
kind = "lxc"
name = "traefik"
address = "{TRAEFIK}"

[[rule]]
scope = "nginx"
direction = "out"
action = "accept"
destination = "traefik"
protocol = "tcp"
ports = 80
comment = "Allow Nginx to proxy to Traefik"
"""
ROW_LINE = RULES.splitlines().index("[[rule]]") + 1
ATTEMPT_TIMEOUT = 0.3  # a dropped SYN shows as silence; this bounds the wait


class Watcher:
    """phx-fw watch in a namespace; its output lines arrive in queues with
    the time they arrived, read by threads so nothing blocks the test."""

    def __init__(self, ns, *args):
        self.proc = subprocess.Popen(["ip", "netns", "exec", ns, PHX_FW, "watch", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.out, self.err = queue.Queue(), queue.Queue()
        self.pumps = [threading.Thread(target=self._pump, args=(stream, lines), daemon=True)
                      for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream, lines):
        for line in stream:
            lines.put((time.monotonic(), line))
        lines.put((time.monotonic(), None))

    @staticmethod
    def line(lines, timeout):
        """The next line and when it arrived; None at the end of the stream."""
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output from phx-fw watch within {timeout} s") from None

    def wait_until_watching(self):
        _, line = self.line(self.err, 10)
        if line is None or "watching NFLOG group" not in line:
            raise AssertionError(f"phx-fw watch did not start: {line!r}, exit {self.proc.wait(5)}")

    def report(self, timeout):
        """The first report: its lines up to the empty line, and when it began."""
        arrived, first = self.line(self.out, timeout)
        if first is None:
            raise AssertionError(f"phx-fw watch ended without a report (exit {self.proc.wait(5)})")
        lines = [first]
        while lines[-1].strip():
            _, line = self.line(self.out, 2)
            if line is None:
                break
            lines.append(line)
        return arrived, "".join(lines)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pump in self.pumps:  # they end at the pipes' end of file
            pump.join(timeout=5)
        self.proc.stdout.close()
        self.proc.stderr.close()


def attempt(ns, address, port, timeout=ATTEMPT_TIMEOUT):
    """Opens a TCP connection from namespace `ns`; True when it connects."""
    with netns.socket_in(ns) as s:
        s.settimeout(timeout)
        try:
            s.connect((address, port))
            return True
        except OSError:  # socket.timeout included: the SYN was dropped
            return False


class Listener:
    """A TCP listener in a namespace that accepts and closes connections."""

    def __init__(self, ns, address, port):
        self.sock = netns.socket_in(ns)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, port))
        self.sock.listen(8)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.close()

    def close(self):
        self.sock.close()


class WatchTest(unittest.TestCase):
    def setUp(self):
        netns.require_root()
        require_binaries()
        self.hv = self.create("hv")
        # A bridge joins 224.0.0.106 (multicast snooping) and reports it by
        # IGMP twice in its first seconds up; the hypervisor's output chain
        # drops and logs that, and a watch started then could print it before
        # the drop a test makes (seen once in CI). Link-local groups unreported.
        netns.exec_in(self.hv, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                      "net.bridge.bridge-nf-call-ip6tables=1", "net.ipv4.igmp_link_local_mcast_reports=0")
        netns.run("ip", "-n", self.hv, "link", "add", "vmbr0", "type", "bridge")
        netns.run("ip", "-n", self.hv, "addr", "add", f"{HYPERVISOR}/24", "dev", "vmbr0")
        netns.run("ip", "-n", self.hv, "link", "set", "vmbr0", "up")
        self.guest = {NGINX: self.guest_namespace("nginx", "veth101i0", NGINX),
                      TRAEFIK: self.guest_namespace("traefik", "veth102i0", TRAEFIK)}
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(RULES)
        self.rules = f.name
        self.addCleanup(os.remove, self.rules)

    def create(self, name):
        ns = netns.create(name)
        self.addCleanup(netns.delete, ns)
        return ns

    def guest_namespace(self, name, port, address):
        ns = self.create(name)
        netns.run("ip", "-n", self.hv, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        netns.run("ip", "-n", self.hv, "link", "set", port, "master", "vmbr0", "up")
        netns.run("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        netns.run("ip", "-n", ns, "link", "set", "eth0", "up")
        return ns

    def apply(self):
        result = phx_fw(self.hv, "apply", "--rules", self.rules)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def watch(self, *args):
        watcher = Watcher(self.hv, "--rules", self.rules, *args)
        self.addCleanup(watcher.stop)
        watcher.wait_until_watching()
        return watcher

    def metrics(self):
        result = phx_fw(self.hv, "metrics")
        self.assertEqual(result.returncode, 0, result.stderr)
        return result.stdout

    def counter(self, text, series):
        match = re.search(r"^" + re.escape(series) + r" (\d+)$", text, re.M)
        self.assertIsNotNone(match, f"no {series} in:\n{text}")
        return int(match.group(1))

    def test_a_dropped_connection_is_shown_at_once_with_hosts_rows_and_a_rule_that_allows_it(self):
        self.apply()
        listener = Listener(self.guest[TRAEFIK], TRAEFIK, 80)
        self.addCleanup(listener.close)
        self.assertTrue(attempt(self.guest[NGINX], TRAEFIK, 80, timeout=3), "the row's flow must connect")
        watcher = self.watch("--count", "1", "--seconds", "10")
        started = time.monotonic()
        self.assertFalse(attempt(self.guest[TRAEFIK], NGINX, 81), "no row allows traefik -> nginx tcp/81")
        arrived, report = watcher.report(timeout=5)
        print(f"\nphx-fw watch printed, {(arrived - started) * 1000:.1f} ms after the attempt:\n{report}", end="")
        self.assertLess(arrived - started, 1.0, report)
        self.assertEqual(watcher.proc.wait(timeout=5), 0)  # --count 1
        first, *block = report.splitlines()
        self.assertRegex(first, r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} forward: dropped 10\.0\.0\.12 \(traefik\) -> "
                                r"10\.0\.0\.153 \(nginx\) tcp/81; near: ")
        name = os.path.basename(self.rules)
        self.assertIn(f'{name}:{ROW_LINE} "Allow Nginx to proxy to Traefik" (the same two hosts the other way round: '
                      f'nginx -> traefik tcp/80)', first)
        self.assertEqual(block[0], f"# to allow it, append to {name}:")
        self.assertEqual(block[1:], ["[[rule]]", 'scope = "traefik"', 'direction = "out"', 'action = "accept"',
                                     'source = "traefik"', 'destination = "nginx"', 'protocol = "tcp"', "ports = 81",
                                     'comment = "Allow traefik to reach nginx on tcp/81 (suggested by phx-fw watch)"',
                                     ""])

        text = self.metrics()
        print(f"phx-fw metrics printed:\n{text}", end="")
        self.assertIn("# TYPE phx_fw_policy_drop_packets_total counter", text)
        self.assertGreater(self.counter(text, 'phx_fw_policy_drop_packets_total{chain="forward"}'), 0)
        self.assertGreater(self.counter(text, 'phx_fw_policy_drop_bytes_total{chain="forward"}'), 0)
        row = 'table="inet phx",chain="forward",comment="Allow Nginx to proxy to Traefik"'
        self.assertGreater(self.counter(text, f"phx_fw_rule_packets_total{{{row}}}"), 0)
        self.counter(text, 'phx_fw_binding_drop_packets_total{comment="a guest sending from an address that is not '
                           'its own"}')

        # The suggested rule, pasted into the file and applied, lets the connection through.
        with open(self.rules, "a", encoding="utf-8") as f:
            f.write("\n" + "\n".join(block[1:]))
        self.apply()
        server = Listener(self.guest[NGINX], NGINX, 81)
        self.addCleanup(server.close)
        self.assertTrue(attempt(self.guest[TRAEFIK], NGINX, 81, timeout=3), "the suggested rule must admit it")

    def test_watch_stops_after_its_seconds_and_on_sigint_and_sigterm_with_status_0(self):
        self.apply()
        start = time.monotonic()
        timed = self.watch("--seconds", "1")
        self.assertEqual(timed.proc.wait(timeout=10), 0)
        self.assertLess(time.monotonic() - start, 5)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with self.subTest(signal=sig.name):
                watcher = self.watch()
                watcher.proc.send_signal(sig)  # ip netns exec execs phx-fw: this is its PID
                self.assertEqual(watcher.proc.wait(timeout=10), 0)
                _, line = watcher.line(watcher.err, 5)
                self.assertEqual(line, "phx-fw: 0 drop(s) shown\n")

    def test_a_second_watch_of_the_same_group_fails_and_names_the_reason(self):
        self.watch()
        second = phx_fw(self.hv, "watch", "--rules", self.rules, "--seconds", "1")
        self.assertEqual(second.returncode, 1)
        self.assertIn("NFLOG group 100 is taken: another program reads it (ulogd, another phx-fw watch)",
                      second.stderr)

    def test_metrics_without_a_table_of_phx_fws_fails_and_says_so(self):
        result = phx_fw(self.hv, "metrics")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertIn("no table of phx-fw's is loaded", result.stderr)


if __name__ == "__main__":
    unittest.main()

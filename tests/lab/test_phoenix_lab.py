# SPDX-License-Identifier: GPL-3.0-or-later
"""README command (1): the lab brings the whole network up with nothing
unexpected, and Ctrl-C leaves no namespace, veth or process behind."""

import os
import signal
import socket
import subprocess
import time
import unittest

import netns

SOURCE = os.environ["PHX_SOURCE_DIR"]
LAB = os.path.join(SOURCE, "scripts", "phoenix_lab.py")


def lab_namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith("phxlab-")]


def lab_processes():
    out = subprocess.run(["pgrep", "-af", "phx-dnsd --listen (10.0.0.13:53|127.0.0.1:.*phxlab-zone-)"],
                         capture_output=True, text=True).stdout
    return out.strip()


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (not 5353, which
    avahi may hold on a desktop)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind(("127.0.0.1", port))
                    return port
                except OSError:
                    continue


def dig(port, *args):
    return subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+time=2", "+tries=1", *args],
                          capture_output=True, text=True).stdout


class PhoenixLabTest(unittest.TestCase):
    def setUp(self):
        netns.require_root()
        self.assertEqual(lab_namespaces(), [], "a lab is already running: ./run.sh --down")

    def test_ctrl_c_after_a_clean_bring_up_leaves_nothing_behind(self):
        port = free_port()
        proc = subprocess.Popen([LAB, "--seed", "7", "--loopback-port", str(port)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                env=dict(os.environ))
        output = []
        try:
            deadline = time.monotonic() + 120
            for line in proc.stdout:
                output.append(line)
                if "Press Ctrl-C" in line:
                    break
                self.assertLess(time.monotonic(), deadline)
            text = "".join(output)
            self.assertIn("Press Ctrl-C", text, text)
            self.assertIn("0 unexpected", text)
            self.assertNotIn("!", text.split("(b) Connectivity")[1].split("(c) Poke")[0].replace("'!'", ""))
            answers, reverse = text.split("(a) What")[1].split("(b) Connectivity")[0].split("dig -x from nginx")
            self.assertEqual(answers.count("10.0.0.153"), 9 * 10, "every host resolves every service name")
            self.assertEqual(answers.count("NXDOMAIN"), 10)
            # dig -x answers from the zone phx-fw generates out of the inventory.
            self.assertIn("10.0.0.12 -> traefik.internal.thinkheads.ai.", reverse)
            self.assertIn("10.0.0.13 -> hypervisor.internal.thinkheads.ai.", reverse)
            self.assertEqual(reverse.count(".internal.thinkheads.ai."), 10)
            self.assertNotIn("!", reverse)
            self.assertEqual(len(lab_namespaces()), 11)
            self.assertEqual(len(lab_processes().splitlines()), 2, "phx-dnsd in the lab and on the host's loopback")
            self.assertIn(f"127.0.0.1:{port}", text)
            # The phx-dnsd issue's acceptance, with the lab up: the host's loopback answers.
            for transport in ("+notcp", "+tcp"):
                answer = dig(port, transport, "+norec", "TrAeFiK.InTeRnAl.ThInKhEaDs.Ai")
                self.assertRegex(answer, r"flags: qr aa;")
                self.assertRegex(answer, r"TrAeFiK\.InTeRnAl\.ThInKhEaDs\.Ai\.\s+\d+\s+IN\s+A\s+10\.0\.0\.153")
                answer = dig(port, transport, "+norec", "nosuch.internal.thinkheads.ai")
                self.assertIn("status: NXDOMAIN", answer)
                self.assertRegex(answer, r"AUTHORITY SECTION:\ninternal\.thinkheads\.ai\.\s+\d+\s+IN\s+SOA")
                self.assertIn("status: REFUSED", dig(port, transport, "+norec", "example.com"))
                self.assertIn("traefik.internal.thinkheads.ai.", dig(port, transport, "-x", "10.0.0.12"))
            proc.send_signal(signal.SIGINT)
            rest = proc.communicate(timeout=60)[0]
        finally:
            if proc.poll() is None:
                proc.kill()
                subprocess.run([LAB, "--down"], check=False)
        self.assertEqual(proc.returncode, 0, rest)
        self.assertIn("all namespaces, veths and processes removed", rest)
        self.assertEqual(lab_namespaces(), [])
        self.assertEqual(lab_processes(), "")
        self.assertFalse([e for e in os.listdir("/etc/netns") if e.startswith("phxlab-")]
                         if os.path.isdir("/etc/netns") else [])

    def test_down_removes_what_a_killed_lab_left(self):
        proc = subprocess.Popen([LAB, "--seed", "8", "--host-targets", "--loopback-port", str(free_port())], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
        for line in proc.stdout:
            if "Press Ctrl-C" in line:
                break
        proc.kill()  # no clean-up at all
        proc.wait()
        self.assertEqual(len(lab_namespaces()), 11)
        self.assertEqual(len(lab_processes().splitlines()), 2, "both phx-dnsd outlive the killed lab")
        out = subprocess.run([LAB, "--down"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(lab_namespaces(), [])
        self.assertEqual(lab_processes(), "")


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""README command (1): the lab brings the whole network up with nothing
unexpected, and Ctrl-C leaves no namespace, veth or process behind; with
--expect it builds another network from its rules file, and refuses a rules
file its expectations do not describe."""

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
            # dig -x answers with the names phx-dnsd gives the inventory's
            # hosts, every host's confirmed forward (the hypervisor's too).
            self.assertIn(" 10.0.0.12 -> traefik.hosts.internal.thinkheads.ai. -> 10.0.0.12\n", reverse)
            self.assertIn(" 10.0.0.13 -> hypervisor.hosts.internal.thinkheads.ai. -> 10.0.0.13\n", reverse)
            self.assertEqual(reverse.count(".hosts.internal.thinkheads.ai. -> 10.0.0."), 10)
            self.assertIn("10.0.0.200 -> NXDOMAIN (no host has it)", reverse)
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
                self.assertRegex(dig(port, transport, "-x", "10.0.0.12"),
                                 r"\n12\.0\.0\.10\.in-addr\.arpa\.\s+\d+\s+IN\s+PTR\s+traefik\.hosts\.internal\.thinkheads\.ai\.\n")
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

    def test_once_builds_another_network_from_its_rules_file(self):
        # --expect workshop_flows brings its rules and zone files with it.
        out = subprocess.run([LAB, "--expect", "workshop_flows", "--once", "--seed", "9", "--loopback-port", "0"],
                             capture_output=True, text=True, timeout=240)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        text = out.stdout
        self.assertIn("anvil with vmbr1, 5 guests on their Proxmox ports, LAN client behind enp1s0", text)
        self.assertIn("phx-dnsd on 172.20.0.1:53", text)
        self.assertRegex(text, r"\nci\.workshop\.home\.arpa +172\.20\.3\.21 ")
        self.assertIn(" 172.20.2.5 -> postgres.hosts.workshop.home.arpa. -> 172.20.2.5\n", text)
        self.assertIn(" 172.20.0.1 -> anvil.hosts.workshop.home.arpa. -> 172.20.0.1\n", text)
        self.assertEqual(text.count(".hosts.workshop.home.arpa. -> 172.20."), 6)
        self.assertIn("172.20.9.99 -> NXDOMAIN (no host has it)", text)
        self.assertIn("0 unexpected", text)
        self.assertEqual(lab_namespaces(), [])

    def test_a_rules_file_its_expectations_do_not_describe_is_refused(self):
        # The spec's expectations cannot judge the workshop: nothing is built.
        out = subprocess.run([LAB, "--rules", os.path.join(SOURCE, "rules", "examples", "workshop.toml"), "--once"],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("and the expectations spec_flows describe different networks", out.stderr)
        self.assertIn("the hypervisor's address: ", out.stderr)
        self.assertEqual(lab_namespaces(), [])

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

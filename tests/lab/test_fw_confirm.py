# SPDX-License-Identifier: GPL-3.0-or-later
"""`phx-fw apply --confirm` and `phx-fw confirm` against a real kernel: an
unconfirmed apply comes back byte for byte (counters included), a confirmed
one stays, the rollback happens on time when the waiting process dies or
its terminal goes, Enter confirms and Ctrl-C restores at once, a table
phx-fw could not restore exactly is refused up front, and namespaces never
see each other's pending applies. Each test runs in namespaces of its own
with a runtime directory of its own."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import netns
from confirm_run import Apply, alive, wait_until
from fwtool import GOLDEN, PHX_FW, SPEC_RULES, nft, require_binaries

MIXED = os.path.join(GOLDEN, "mixed.toml")
HYPERVISOR, GUEST = "10.0.0.13", "10.0.0.12"
OTHER_TABLE = """table ip other {
    chain keep {
        type filter hook input priority 0; policy accept;
        counter
    }
}
"""
# A rollback is due `window` seconds after the apply; it must not come more
# than this much earlier (timers and the moment the test reads "applied"),
# nor later than this margin (a loaded machine, sanitizer builds).
EARLY, LATE = 0.3, 2.0


def datagrams(port, count, address=HYPERVISOR):
    return ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
            f"[s.sendto(b'x', ({address!r}, {port})) for _ in range({count})]")


class ConfirmTest(unittest.TestCase):
    def setUp(self):
        netns.require_root()
        require_binaries()
        name = self.id().rsplit(".", 1)[-1][-14:]
        self.runtime = tempfile.mkdtemp(prefix="phx-fw-run-")
        self.addCleanup(shutil.rmtree, self.runtime, ignore_errors=True)
        self.addCleanup(self.assert_clean_logs)  # after every keeper is gone
        self.env = dict(os.environ, PHX_FW_RUNTIME_DIR=self.runtime)
        self.hv = self.namespace(name + "h")
        self.guest = self.namespace(name + "g")
        self.link(self.hv, self.guest)

    def namespace(self, name):
        """A namespace where only the test's own traffic moves counters:
        without IPv6, no neighbour discovery or MLD packets arrive unbidden."""
        ns = netns.create(name)
        self.addCleanup(netns.delete, ns)
        netns.exec_in(ns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                      "net.bridge.bridge-nf-call-ip6tables=1", "net.ipv6.conf.all.disable_ipv6=1",
                      "net.ipv6.conf.default.disable_ipv6=1")
        return ns

    def link(self, hv, guest):
        netns.run("ip", "-n", hv, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns", guest)
        for ns, address in ((hv, HYPERVISOR), (guest, GUEST)):
            netns.run("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
            netns.run("ip", "-n", ns, "link", "set", "eth0", "up")

    def assert_clean_logs(self):
        """The keepers' stderr goes to their logs: a sanitizer's report there
        (a leak, undefined behaviour) fails the test even when the
        foreground was killed and could not see the keeper's exit status."""
        for name in os.listdir(self.runtime):
            if name.endswith(".log"):
                with open(os.path.join(self.runtime, name), encoding="utf-8", errors="replace") as f:
                    log = f.read()
                self.assertNotRegex(log, r"Sanitizer|runtime error:", f"{name}:\n{log}")

    # --- running phx-fw ---------------------------------------------------

    def fw(self, *args, ns=None):
        return subprocess.run(["ip", "netns", "exec", ns or self.hv, PHX_FW, *args], env=self.env,
                              capture_output=True, text=True, timeout=30)

    def start(self, *args, ns=None, terminal=False):
        run = Apply(ns or self.hv, self.env, *args, terminal=terminal)
        self.addCleanup(run.cleanup)
        return run

    def apply(self, rules):
        result = self.fw("apply", "--rules", rules)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def state(self, ns=None):
        """What must come back byte for byte: nft's and phx-fw's listings
        and the namespace's whole ruleset."""
        ns = ns or self.hv
        table = nft(ns, "list", "table", "inet", "phx", check=False)
        listed = self.fw("list", ns=ns)
        return {"nft list table inet phx": table.stdout + table.stderr,
                "phx-fw list": listed.stdout + listed.stderr,
                "nft list ruleset": nft(ns, "list", "ruleset").stdout}

    def move_counters(self):
        """DNS queries from the guest (a set element's counter of the
        spec's table) and loopback traffic (rule counters)."""
        netns.exec_in(self.guest, "/usr/bin/python3", "-c", datagrams(53, 5))
        netns.exec_in(self.hv, "/usr/bin/python3", "-c", datagrams(9, 3, "127.0.0.1"))

    def assert_rolled_back_on_time(self, run, before, window):
        """The previous state is back within [window - EARLY, window + LATE]
        of the apply, not before, and the keeper is gone after it."""
        self.assertNotEqual(self.state(), before, "the new table was not applied")
        took = wait_until(lambda: self.state() == before, window + LATE + 1, step=0.05)
        self.assertIsNotNone(took, f"not rolled back within {window + LATE} s:\n{run.output}")
        elapsed = time.monotonic() - run.applied_at
        self.assertGreaterEqual(elapsed, window - EARLY, f"rolled back early:\n{run.output}")
        self.assertLessEqual(elapsed, window + LATE, f"rolled back late:\n{run.output}")
        self.assertTrue(wait_until(lambda: not alive(run.keeper), 5), "the keeper is still running")
        return elapsed

    def assert_nothing_pending(self):
        result = self.fw("confirm")
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("no apply is waiting for confirmation in this network namespace", result.stderr)

    # --- the tests --------------------------------------------------------

    def test_an_unconfirmed_apply_is_restored_byte_for_byte_counters_included(self):
        self.apply(SPEC_RULES)
        self.move_counters()
        before = self.state()
        self.assertRegex(before["nft list table inet phx"], r"udp \. 53 counter packets 5 bytes \d+ comment")
        self.assertRegex(before["nft list table inet phx"], r'iif "lo" counter packets [1-9]')
        run = self.start("--rules", MIXED, "--confirm", "2")
        run.wait_applied()
        self.assertIn("saved the live table inet phx", run.output)
        elapsed = self.assert_rolled_back_on_time(run, before, 2)
        self.assertEqual(run.finish(), 3, run.output)
        self.assertIn("no confirmation within 2 s: at ", run.output)
        self.assertIn("restored the previous table inet phx and table bridge phx (counters included) in one "
                      "transaction", run.output)
        self.assertEqual(self.state(), before)
        print(f"\nrolled back {elapsed:.2f} s after the apply was reported (window 2 s)")
        self.assert_nothing_pending()

    def test_a_confirmed_apply_stays(self):
        self.apply(SPEC_RULES)
        run = self.start("--rules", MIXED, "--confirm", "2")
        run.wait_applied()
        confirmed = self.fw("confirm")
        self.assertEqual(confirmed.returncode, 0, confirmed.stdout + confirmed.stderr)
        self.assertRegex(confirmed.stdout, r"confirmed at \S+: phx-fw's tables stay as applied at \S+")
        self.assertEqual(run.finish(), 0, run.output)
        self.assertIn("phx-fw: confirmed at", run.output)
        self.assertTrue(wait_until(lambda: not alive(run.keeper), 5), "the keeper is still running")
        time.sleep(max(0.0, run.applied_at + 2 + 0.5 - time.monotonic()))  # past the deadline
        self.assertEqual(self.fw("diff", "--rules", MIXED).returncode, 0, "the confirmed table did not stay")
        self.assert_nothing_pending()

    def test_without_a_table_before_the_rollback_removes_the_new_one_and_nothing_else(self):
        nft(self.hv, "-f", "-", input=OTHER_TABLE)
        before = self.state()
        self.assertIn("No such file or directory", before["nft list table inet phx"])
        run = self.start("--rules", SPEC_RULES, "--confirm", "1")
        run.wait_applied()
        self.assertIn("no table of phx-fw's is loaded: without confirmation the new ones are removed again",
                      run.output)
        self.assert_rolled_back_on_time(run, before, 1)
        self.assertEqual(run.finish(), 3, run.output)
        self.assertIn("removed phx-fw's tables, as there were none before", run.output)

    def test_killing_the_waiting_process_still_rolls_back_on_time(self):
        self.apply(SPEC_RULES)
        self.move_counters()
        before = self.state()
        for sig in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
            with self.subTest(signal=sig.name):
                run = self.start("--rules", MIXED, "--confirm", "2")
                run.wait_applied()
                run.proc.send_signal(sig)
                self.assertIn(run.proc.wait(timeout=5), (-sig, 128 + sig), run.output)
                self.assertTrue(alive(run.keeper), "the keeper died with the foreground")
                self.assert_rolled_back_on_time(run, before, 2)

    def test_a_closed_terminal_still_rolls_back_on_time(self):
        self.apply(SPEC_RULES)
        before = self.state()
        run = self.start("--rules", MIXED, "--confirm", "2", terminal=True)
        run.wait_applied()
        run.hang_up()  # as when the SSH connection drops: SIGHUP to the session
        self.assertEqual(run.proc.wait(timeout=5), 128 + signal.SIGHUP)
        self.assert_rolled_back_on_time(run, before, 2)

    def test_enter_on_the_terminal_confirms(self):
        self.apply(SPEC_RULES)
        run = self.start("--rules", MIXED, "--confirm", "2", terminal=True)
        run.wait_applied()
        run.read_until("press Enter to keep it")
        run.type(b"\n")
        run.read_until("phx-fw: confirmed at")
        self.assertEqual(run.finish(), 0, run.output)
        time.sleep(max(0.0, run.applied_at + 2 + 0.5 - time.monotonic()))
        self.assertEqual(self.fw("diff", "--rules", MIXED).returncode, 0, "the confirmed table did not stay")
        self.assertFalse(alive(run.keeper))

    def test_ctrl_c_on_the_terminal_restores_at_once(self):
        self.apply(SPEC_RULES)
        before = self.state()
        run = self.start("--rules", MIXED, "--confirm", "3", terminal=True)
        run.wait_applied()
        run.type(b"\x03")  # the terminal turns it into SIGINT
        run.read_until("the admin interrupted apply --confirm (Ctrl-C): at ")
        self.assertEqual(run.finish(), 3, run.output)
        self.assertLess(time.monotonic() - run.applied_at, 2.5)
        self.assertEqual(self.state(), before)

    def test_confirm_with_nothing_pending_is_a_clear_error(self):
        self.assert_nothing_pending()
        self.assertIn("nothing was done", self.fw("confirm").stderr)

    def test_apply_and_flush_wait_for_a_pending_apply(self):
        self.apply(SPEC_RULES)
        before = self.state()
        run = self.start("--rules", MIXED, "--confirm", "2")
        run.wait_applied()
        for args in (("apply", "--rules", SPEC_RULES), ("flush",), ("apply", "--rules", SPEC_RULES, "--confirm", "5")):
            with self.subTest(command=args[0]):
                result = self.fw(*args)
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("waiting for confirmation", result.stderr)
        self.assert_rolled_back_on_time(run, before, 2)

    def test_a_change_during_the_wait_is_reported_and_the_previous_table_still_restored(self):
        self.apply(SPEC_RULES)
        before = self.state()
        for change, expected in (("add table ip intruder", "another table changed (phx-fw's are as applied)"),
                                 ("add rule inet phx input counter", "phx-fw's tables themselves were changed")):
            with self.subTest(change=change):
                run = self.start("--rules", MIXED, "--confirm", "1")
                run.wait_applied()
                nft(self.hv, *change.split())
                self.assertEqual(run.finish(), 3, run.output)
                self.assertIn("phx-fw: warning: the ruleset changed during the wait", run.output)
                self.assertIn(expected, run.output)
                after = self.state()
                self.assertEqual(after["nft list table inet phx"], before["nft list table inet phx"])
                self.assertEqual(after["phx-fw list"], before["phx-fw list"])
                nft(self.hv, "delete", "table", "ip", "intruder", check=False)

    def test_a_table_phx_fw_cannot_restore_exactly_is_refused_before_anything_is_applied(self):
        # (commands after phx-fw's apply, or a table of nft's own; what phx-fw must say)
        cases = [("add counter inet phx hand_made", None, "holds 1 named stateful object(s)"),
                 ("add chain inet phx hand_made", None, "chain hand_made: phx-fw cannot read it back"),
                 ("insert rule inet phx input meta nfproto ipv4 accept", None,
                  "a rule in chain input: phx-fw would write it back differently: the kernel holds "
                  "[ meta load nfproto => reg 1 ] [ cmp eq reg 1 0x00000002 ] [ immediate reg 0 accept ], "
                  "phx-fw would write [ immediate reg 0 accept ]"),
                 (None, 'table inet phx {\n chain input {\n type filter hook input priority 0; policy drop;\n'
                        ' comment "hand-made"\n }\n}\n', "chain input has a comment"),
                 (None, 'table inet phx {\n flags dormant\n}\n', "table inet phx has flags 0x1 (dormant")]
        for change, table, expected in cases:
            with self.subTest(change=change or table):
                nft(self.hv, "delete", "table", "inet", "phx", check=False)
                if table:
                    nft(self.hv, "-f", "-", input=table)
                else:
                    self.apply(SPEC_RULES)
                    nft(self.hv, *change.split())
                before = self.state()
                result = self.fw("apply", "--rules", MIXED, "--confirm", "2")
                self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
                self.assertIn("--confirm cannot promise to restore phx-fw's tables exactly", result.stderr)
                self.assertIn(expected, result.stderr)
                self.assertIn("Nothing was applied.", result.stderr)
                self.assertEqual(self.state(), before)
                self.assert_nothing_pending()

    def test_pending_applies_in_two_namespaces_do_not_meet(self):
        other = self.namespace(self.id().rsplit(".", 1)[-1][-14:] + "o")
        for ns in (self.hv, other):
            self.fw("apply", "--rules", SPEC_RULES, ns=ns)
        before = self.state(other)
        kept = self.start("--rules", MIXED, "--confirm", "2", ns=self.hv)
        dropped = self.start("--rules", MIXED, "--confirm", "2", ns=other)
        kept.wait_applied()
        dropped.wait_applied()
        self.assertNotEqual(re.search(r"net:\[\d+\]", kept.output).group(),
                            re.search(r"net:\[\d+\]", dropped.output).group())
        self.assertEqual(self.fw("confirm", ns=self.hv).returncode, 0)
        self.assertEqual(kept.finish(), 0, kept.output)
        self.assertEqual(dropped.finish(), 3, dropped.output)  # `confirm` in the first did not reach it
        self.assertEqual(self.state(other), before)
        self.assertEqual(self.fw("diff", "--rules", MIXED).returncode, 0)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw against a real kernel, each test in a network namespace of its own:
apply and read back, dry run, refused batches, concurrent changes, flush."""

import os
import tempfile
import unittest

import netns
from fwtool import (FAULT_PROBE, GOLDEN, PHX_FW, SPEC_RULES, normalise, nft, phx_fw, phx_tables, require_binaries,
                    rule_line, ruleset)

MIXED = os.path.join(GOLDEN, "mixed.toml")
SCOPES = os.path.join(GOLDEN, "scopes.toml")
# Three datagrams through the loopback interface.
LOOPBACK_TRAFFIC = ("import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); "
                    "[s.sendto(b'x', ('127.0.0.1', 9)) for _ in range(3)]")
OTHER_TABLE = """table ip other {
    chain keep {
        type filter hook input priority 0; policy accept;
        counter
    }
}
"""


class KernelTest(unittest.TestCase):
    def setUp(self):
        netns.require_root()
        require_binaries()
        self.ns = netns.create(self.id().rsplit(".", 1)[-1][-20:])
        self.addCleanup(netns.delete, self.ns)

    def apply(self, *args):
        result = phx_fw(self.ns, "apply", *args)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        return result

    def own(self, address):
        """Gives this namespace `address`, as the host it stands for has it."""
        netns.run("ip", "-n", self.ns, "addr", "add", address, "dev", "lo")

    def assert_live_table_is_show(self, rules, *host):
        """nft list, phx-fw list and phx-fw show agree on phx-fw's tables."""
        shown = phx_fw(None, "show", "--rules", rules, *host, check=True).stdout
        listed_by_nft = phx_tables(self.ns)
        listed_by_phx = phx_fw(self.ns, "list", check=True).stdout
        self.assertEqual(normalise(listed_by_nft), normalise(shown))
        self.assertEqual(normalise(listed_by_phx), normalise(shown))
        diff = phx_fw(self.ns, "diff", "--rules", rules, *host)
        self.assertEqual(diff.returncode, 0, diff.stdout + diff.stderr)
        self.assertIn("no changes", diff.stdout)

    def test_the_spec_applies_and_reads_back_as_shown(self):
        result = self.apply("--rules", SPEC_RULES)
        # One line says where the time went, step by step.
        self.assertRegex(result.stdout, r"^applied table inet phx and table bridge phx from \S+phoenix.toml \(the "
                                        r"hypervisor target\): \d+ messages, \d+ KiB in 1 page\(s\); rules read in "
                                        r"[\d.]+ ms, compiled in [\d.]+ ms, built in [\d.]+ ms, kernel [\d.]+ ms\n$")
        self.assertIn("scope: traffic forwarded through bridge vmbr0", result.stderr)
        self.assert_live_table_is_show(SPEC_RULES)
        live = ruleset(self.ns)
        for expected in ("table inet phx", "policy drop;", "ct state established,related", "ct state invalid",
                         'comment "Allow Nginx to proxy to Traefik"', 'comment "Allow all outbound traffic from the '
                         'hypervisor"', 'comment "phx-fw: the hypervisor target, rules phoenix.toml"',
                         "table bridge phx", 'iifname != "vmbr0" oifname != "vmbr0" accept',
                         'log prefix "phx-fw drop forward: " group 100',
                         '"veth101i0" . 10.0.0.153 comment "nginx"'):
            self.assertIn(expected, live)

    def test_every_host_target_applies_and_reads_back_as_shown(self):
        hosts = {"hypervisor": "10.0.0.13", "101": "10.0.0.153", "10.0.0.12": "10.0.0.12", "step-ca": "10.0.0.10",
                 "portainer": "10.0.0.111", "1002": "10.0.0.102", "granite-embedding": "10.0.0.141",
                 "granite-3b": "10.0.0.142", "ollama": "10.0.0.155", "llamacpp": "10.0.0.157"}
        for host, address in hosts.items():
            with self.subTest(host=host):
                self.own(address)  # a host target is applied on that host
                self.apply("--rules", SPEC_RULES, "--host", host)
                self.assert_live_table_is_show(SPEC_RULES, "--host", host)

    def test_drop_reject_ipv6_and_lists_apply_and_read_back_as_shown(self):
        for rules in (MIXED, SCOPES, os.path.join(GOLDEN, "sets.toml")):
            with self.subTest(rules=os.path.basename(rules)):
                self.apply("--rules", rules)
                self.assert_live_table_is_show(rules)

    def test_every_golden_host_target_applies_and_reads_back_as_shown(self):
        cases = [name for name in sorted(os.listdir(GOLDEN)) if ".host-" in name and not name.startswith("phoenix")]
        self.assertGreaterEqual(len(cases), 4)
        for name in cases:
            case, host = name[:-len(".nft")].split(".host-")
            with self.subTest(case=case, host=host):
                rules = os.path.join(GOLDEN, case + ".toml")
                self.apply("--rules", rules, "--host", host, "--force")  # this namespace is not that host
                self.assert_live_table_is_show(rules, "--host", host)

    def test_nft_accepts_show_and_reads_it_as_phx_fw_does(self):
        for rules in (SPEC_RULES, MIXED):
            with self.subTest(rules=os.path.basename(rules)):
                shown = phx_fw(None, "show", "--rules", rules, check=True).stdout
                nft(self.ns, "flush", "ruleset")  # nft -f adds to a table that exists
                nft(self.ns, "-c", "-f", "-", input=shown)
                nft(self.ns, "-f", "-", input=shown)
                self.assertEqual(normalise(phx_fw(self.ns, "list", check=True).stdout), normalise(shown))
                diff = phx_fw(self.ns, "diff", "--rules", rules)
                self.assertEqual(diff.returncode, 0, diff.stdout + diff.stderr)

    def test_dry_run_applies_nothing(self):
        nft(self.ns, "-f", "-", input=OTHER_TABLE)
        before = ruleset(self.ns)
        result = self.apply("--rules", SPEC_RULES, "--dry-run")
        self.assertIn("dry run: the kernel accepted every message and changed nothing", result.stdout)
        self.assertEqual(ruleset(self.ns), before)

    def test_a_rules_file_with_an_error_leaves_the_ruleset_byte_identical(self):
        self.apply("--rules", SCOPES)
        nft(self.ns, "-f", "-", input=OTHER_TABLE)
        before = ruleset(self.ns)
        with open(SPEC_RULES, encoding="utf-8") as f:
            broken_text = f.read().replace('destination = "traefik"', 'destination = "traefk"', 1)
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as broken:
            broken.write(broken_text)
        self.addCleanup(os.remove, broken.name)
        result = phx_fw(self.ns, "apply", "--rules", broken.name)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{broken.name}:", result.stderr)
        self.assertIn("error: unknown host 'traefk' (did you mean 'traefik'?)", result.stderr)
        self.assertIn("nothing was done", result.stderr)
        self.assertEqual(ruleset(self.ns), before)

    def test_a_batch_the_kernel_refuses_changes_nothing_and_names_the_row(self):
        require_binaries(FAULT_PROBE)
        self.apply("--rules", SCOPES)
        nft(self.ns, "-f", "-", input=OTHER_TABLE)
        before = ruleset(self.ns)
        result = netns.exec_in(self.ns, FAULT_PROBE, "conflict", SPEC_RULES, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        line = rule_line(SPEC_RULES, "Allow internal guests to access NFS on Host")
        self.assertIn(f"{SPEC_RULES}:{line}:1: the kernel refused elements of set input_1: File exists",
                      result.stdout)
        self.assertIn("nothing was applied: the live ruleset is unchanged", result.stdout)
        self.assertEqual(ruleset(self.ns), before)

    def test_a_concurrent_change_makes_apply_fail_clearly(self):
        require_binaries(FAULT_PROBE)
        self.apply("--rules", SCOPES)
        phx_before = phx_tables(self.ns)
        result = netns.exec_in(self.ns, FAULT_PROBE, "stale", SPEC_RULES, check=False)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("the ruleset changed after phx-fw read its generation", result.stdout)
        self.assertIn("nothing was applied", result.stdout)
        self.assertEqual(phx_tables(self.ns), phx_before)
        nft(self.ns, "list", "table", "inet", "phx_concurrent")  # the other program's change stands

    def test_flush_removes_phx_fws_tables_and_nothing_else(self):
        nft(self.ns, "-f", "-", input=OTHER_TABLE)
        before = ruleset(self.ns)
        self.apply("--rules", SPEC_RULES)
        self.assertNotEqual(ruleset(self.ns), before)
        result = phx_fw(self.ns, "flush", check=True)
        self.assertIn("removed table inet phx and table bridge phx", result.stdout)
        self.assertEqual(ruleset(self.ns), before)
        again = phx_fw(self.ns, "flush", check=True)  # nothing to remove is fine
        self.assertIn("no table of phx-fw's was loaded; nothing was removed", again.stdout)
        self.assertEqual(ruleset(self.ns), before)

    def test_a_host_target_replaces_the_bridge_table_too(self):
        self.apply("--rules", SPEC_RULES)
        self.own("10.0.0.153")
        self.apply("--rules", SPEC_RULES, "--host", "nginx")
        self.assertEqual(nft(self.ns, "list", "tables").stdout, "table inet phx\n")
        listed = phx_fw(self.ns, "list", check=True).stdout
        self.assertIn('comment "phx-fw: host nginx (10.0.0.153), rules phoenix.toml"', listed)

    def test_a_host_target_for_another_machine_is_refused_unless_forced(self):
        self.apply("--rules", SPEC_RULES)
        before = ruleset(self.ns)
        result = phx_fw(self.ns, "apply", "--rules", SPEC_RULES, "--host", "nginx")
        self.assertEqual(result.returncode, 1)
        self.assertIn("--host nginx would install nginx's own chains, but 10.0.0.153 is not an address of this "
                      "machine", result.stderr)
        self.assertIn("Nothing was applied.", result.stderr)
        self.assertEqual(ruleset(self.ns), before)
        self.apply("--rules", SPEC_RULES, "--host", "nginx", "--force")
        self.assertIn("host nginx (10.0.0.153)", phx_fw(self.ns, "list", check=True).stdout)

    def test_the_hypervisor_target_refuses_without_br_netfilter_and_says_what_to_run(self):
        netns.exec_in(self.ns, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0")
        before = ruleset(self.ns)
        result = phx_fw(self.ns, "apply", "--rules", SPEC_RULES)
        self.assertEqual(result.returncode, 1)
        self.assertIn("sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1",
                      result.stderr)
        self.assertIn("nothing was applied", result.stderr)
        self.assertEqual(ruleset(self.ns), before)
        self.own("10.0.0.153")
        self.apply("--rules", SPEC_RULES, "--host", "nginx")  # a host's own chains do not need it

    def test_diff_shows_what_apply_would_change(self):
        self.assertEqual(phx_fw(self.ns, "list").returncode, 1)
        self.apply("--rules", SCOPES)
        result = phx_fw(self.ns, "diff", "--rules", SPEC_RULES)
        self.assertEqual(result.returncode, 3, result.stderr)  # changes pending; 1 would be an error
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0], "--- the live tables (phx-fw: the hypervisor target, rules scopes.toml)")
        added = [line for line in lines if line.startswith("+")]
        removed = [line for line in lines if line.startswith("-")]
        self.assertTrue(any('10.0.0.12 . 10.0.0.141 . tcp . 8000 counter comment "Allow Traefik to route to '
                            'granite-embedding"' in line for line in added), result.stdout)
        self.assertIn('-\t\tip saddr 10.0.0.20 ip daddr 10.0.0.21 tcp dport 6379 counter accept comment "app uses '
                      'the cache"', removed)
        self.apply("--rules", SPEC_RULES)
        self.assertEqual(phx_fw(self.ns, "diff", "--rules", SPEC_RULES).returncode, 0)

    def test_apply_over_ssh_refuses_a_policy_that_locks_the_client_out(self):
        with open(SPEC_RULES, encoding="utf-8") as f:
            text = f.read()
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as off:
            off.write(text + "\n[management]\nenabled = false\n")
        self.addCleanup(os.remove, off.name)
        management_line = len(text.splitlines()) + 2
        session = ("env", "SSH_CONNECTION=10.0.0.50 50312 10.0.0.13 22", PHX_FW)
        nft(self.ns, "-f", "-", input=OTHER_TABLE)
        # Not this machine's session: its server address is elsewhere, so the guard keeps out of it.
        elsewhere = netns.exec_in(self.ns, *session, "apply", "--rules", off.name, check=False)
        self.assertEqual(elsewhere.returncode, 0, elsewhere.stderr)
        self.own("10.0.0.13")
        before = ruleset(self.ns)
        for extra in ((), ("--confirm", "5")):
            with self.subTest(extra=extra):
                refused = netns.exec_in(self.ns, *session, "apply", "--rules", off.name, *extra, check=False)
                self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
                self.assertIn("refusing: this apply runs over SSH from 10.0.0.50 to port 22", refused.stderr)
                self.assertIn(f"a new connection from 10.0.0.50 to 10.0.0.13 tcp/22 would be dropped: no row accepts "
                              f"it and [management] is turned off ({off.name}:{management_line}:1)", refused.stderr)
                self.assertIn("Nothing was applied.", refused.stderr)
                self.assertEqual(ruleset(self.ns), before)
        # The default [management] admits the LAN client; a guest's session it does not.
        ok = netns.exec_in(self.ns, *session, "apply", "--rules", SPEC_RULES, check=False)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        from_guest = netns.exec_in(self.ns, "env", "SSH_CONNECTION=10.0.0.153 50312 10.0.0.13 22", PHX_FW, "apply",
                                   "--rules", SPEC_RULES, check=False)
        self.assertEqual(from_guest.returncode, 1)
        self.assertIn("[management] sources do not hold 10.0.0.153", from_guest.stderr)
        forced = netns.exec_in(self.ns, *session, "apply", "--rules", off.name, "--force", check=False)
        self.assertEqual(forced.returncode, 0, forced.stderr)

    def test_list_shows_live_counters(self):
        self.apply("--rules", SPEC_RULES)
        netns.exec_in(self.ns, "/usr/bin/python3", "-c", LOOPBACK_TRAFFIC)
        listed = phx_fw(self.ns, "list", check=True).stdout
        loopback = [line for line in listed.splitlines() if 'iif "lo"' in line]
        self.assertEqual(len(loopback), 1)
        self.assertNotIn("packets 0 bytes 0", loopback[0])


if __name__ == "__main__":
    unittest.main()

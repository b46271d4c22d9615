# SPDX-License-Identifier: GPL-3.0-or-later
"""phx-fw's offline commands through the real binary: check, explain, show
and --help. No kernel and no privileges needed."""

import os
import shutil
import subprocess
import tempfile
import unittest

from fwtool import PHX_DNSD, PHX_FW, SOURCE, SPEC_RULES, phx_fw, require_binaries, rule_line


def guest_line(name):
    """The line of the [[guest]] header of the guest called `name` in the spec's rules."""
    with open(SPEC_RULES, encoding="utf-8") as f:
        lines = f.read().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith(f'name = "{name}"'))
    return max(i for i in range(at) if lines[i].strip() == "[[guest]]") + 1


class CliTest(unittest.TestCase):
    def setUp(self):
        require_binaries(PHX_FW)

    def broken_copy(self, replacements):
        with open(SPEC_RULES, encoding="utf-8") as f:
            text = f.read()
        for old, new in replacements:
            self.assertIn(old, text)
            text = text.replace(old, new, 1)
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as broken:
            broken.write(text)
        self.addCleanup(os.remove, broken.name)
        return broken.name, text

    def test_check_passes_on_the_spec(self):
        result = phx_fw(None, "check", "--rules", SPEC_RULES)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{SPEC_RULES}: 10 hosts, 16 rows and 3 [management] rows: 0 error(s), 1 "
                                        "warning(s)\nscope: traffic forwarded through bridge vmbr0, and what "
                                        "hypervisor sends and receives itself; traffic of other bridges and "
                                        "interfaces passes untouched\n")
        self.assertNotIn("error", result.stderr)

    def dns_config(self, zone_text):
        """A phx-dnsd configuration serving one zone file with `zone_text`."""
        directory = tempfile.mkdtemp(prefix="phx-fw-dns-")
        self.addCleanup(shutil.rmtree, directory)
        with open(os.path.join(directory, "internal.thinkheads.ai.zone"), "w", encoding="utf-8") as f:
            f.write(zone_text)
        config = os.path.join(directory, "phx-dnsd.toml")
        with open(config, "w", encoding="utf-8") as f:
            f.write('[server]\nlisten = ["127.0.0.1:53"]\n[[zone]]\nfile = "internal.thinkheads.ai.zone"\n')
        return config, os.path.join(directory, "internal.thinkheads.ai.zone")

    def check_dns(self, config, program=PHX_FW, path=None):
        """phx-fw check --dns with phx-dnsd found through PATH (the build tree's by default)."""
        path = os.path.dirname(PHX_DNSD) + os.pathsep + os.environ.get("PATH", "") if path is None else path
        return subprocess.run(["env", f"PATH={path}", program, "check", "--rules", SPEC_RULES, "--dns", config],
                              capture_output=True, text=True, timeout=30)

    def test_check_dns_loads_the_zones_with_this_inventory_as_phx_dnsd_would(self):
        require_binaries(PHX_DNSD)
        with open(os.path.join(SOURCE, "zones", "internal.thinkheads.ai.zone"), encoding="utf-8") as f:
            spec_zone = f.read()
        config, _ = self.dns_config(spec_zone)
        result = self.check_dns(config)
        self.assertEqual(result.returncode, 0, result.stderr)
        # phx-fw check's own summary first, then phx-dnsd's check, ending in its result.
        self.assertTrue(result.stdout.startswith(f"{SPEC_RULES}: 10 hosts"), result.stdout)
        self.assertTrue(result.stdout.endswith(f"{config}: 2 zone(s) with the names of {SPEC_RULES}: 0 error(s), "
                                               "0 warning(s)\n"), result.stdout)
        # A zone record at a host's name, and a name at an address no host has.
        config, zone = self.dns_config(spec_zone + "traefik.hosts IN A 10.0.0.12\nold IN A 10.0.0.77\n")
        lines = spec_zone.count("\n")
        result = self.check_dns(config)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{zone}:{lines + 1}: error: traefik.hosts.internal.thinkheads.ai. is a host name from the "
                      f"inventory ({SPEC_RULES}:{guest_line('traefik')}:1)", result.stderr)
        self.assertIn(f"{zone}:{lines + 2}: warning: old.internal.thinkheads.ai. points at 10.0.0.77, in the "
                      f"inventory's network, but no host of {SPEC_RULES} has that address", result.stderr)
        self.assertIn("phx-dnsd: 1 error(s), 1 warning(s); nothing is served", result.stderr)

    def test_check_dns_is_phx_dnsds_own_check_and_phx_fw_links_no_dns_code(self):
        require_binaries(PHX_DNSD)
        # Every apply would pay for loading them (README, "No DNS code in phx-fw": ~0.6 ms).
        libraries = subprocess.run(["ldd", PHX_FW], capture_output=True, text=True, check=True).stdout
        self.assertNotIn("libzscanner", libraries)
        self.assertNotIn("libcrypto", libraries)
        with open(os.path.join(SOURCE, "zones", "internal.thinkheads.ai.zone"), encoding="utf-8") as f:
            config, _ = self.dns_config(f.read())
        os.chmod(config, 0o600)
        with open(config, encoding="utf-8") as f:
            base = f.read()
        key = '[[tsig_key]]\nname = "xfr-key"\nalgorithm = "hmac-sha256"\nsecret = "{}"\n'
        for secret, errors in (("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", 0), ("MDEy=zQ1", 1)):
            with open(config, "w", encoding="utf-8") as f:
                f.write(base + key.format(secret))
            result = self.check_dns(config)
            self.assertIn(f"{errors} error(s), 0 warning(s)", result.stdout + result.stderr)
            self.assertEqual(result.returncode, 1 if errors else 0, result.stderr)
        line = base.count("\n") + 4
        self.assertIn(f"{config}:{line}:10: error: the secret is not base64", result.stderr)

    def test_check_dns_finds_phx_dnsd_beside_phx_fw_and_says_so_when_there_is_none(self):
        require_binaries(PHX_DNSD)
        with open(os.path.join(SOURCE, "zones", "internal.thinkheads.ai.zone"), encoding="utf-8") as f:
            config, _ = self.dns_config(f.read())
        sbin = tempfile.mkdtemp(prefix="phx-fw-sbin-")
        self.addCleanup(shutil.rmtree, sbin)
        program = os.path.join(sbin, "phx-fw")
        shutil.copy(PHX_FW, program)
        # As installed (both in /usr/sbin), with nothing in PATH.
        os.symlink(PHX_DNSD, os.path.join(sbin, "phx-dnsd"))
        result = self.check_dns(config, program, path="/nonexistent")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{config}: 2 zone(s) with the names of {SPEC_RULES}: 0 error(s)", result.stdout)
        # Neither beside it nor in PATH: the check fails and says what is missing.
        os.unlink(os.path.join(sbin, "phx-dnsd"))
        result = self.check_dns(config, program, path="/nonexistent")
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"phx-fw: check --dns runs phx-dnsd --check, and phx-dnsd could not be started (No such "
                      f"file or directory): install phx-dnsd beside {program} or in PATH", result.stderr)

    def test_check_reports_every_error_of_a_broken_copy_at_file_line_col(self):
        path, text = self.broken_copy([('destination = "traefik"', 'destination = "traefk"'),
                                       ('ports = 9000', 'ports = 90000'),
                                       ('protocol = "udp"', 'protocal = "udp"')])
        lines = text.splitlines()

        def where(fragment):
            number = next(i for i, line in enumerate(lines, start=1) if fragment in line)
            return f"{path}:{number}:{lines[number - 1].index(fragment.split(' = ')[-1]) + 1}"

        result = phx_fw(None, "check", "--rules", path)
        self.assertEqual(result.returncode, 1)
        unknown_key_line = next(i for i, line in enumerate(lines, start=1) if line.startswith("protocal"))
        traefk = where('destination = "traefk"')
        self.assertEqual(result.stderr.splitlines(), [
            f"{path}:{unknown_key_line}:1: error: unknown key 'protocal' in [[rule]] #3 (did you mean 'protocol'?)",
            f"{traefk}: error: unknown host 'traefk' (did you mean 'traefik'?)",
            f"{where('ports = 90000')}: error: '90000' is not a port or port range (e.g. 80 or 8000-8100)",
        ])

    def test_explain_names_the_nginx_to_traefik_row(self):
        result = phx_fw(None, "explain", "--rules", SPEC_RULES, "10.0.0.153", "10.0.0.12", "tcp", "80")
        self.assertEqual(result.returncode, 0, result.stderr)
        row = f'{SPEC_RULES}:{rule_line(SPEC_RULES, "Allow Nginx to proxy to Traefik")} ' \
              '"Allow Nginx to proxy to Traefik"'
        self.assertIn(f"  forward: accept by {row}\n", result.stdout)
        self.assertIn(f"  nginx output: accept by {row}\n", result.stdout)
        self.assertIn(f"  traefik input: accept by {row}\n", result.stdout)
        self.assertTrue(result.stdout.endswith("verdict: accept\n"))

    def test_explain_says_granite_to_ollama_is_dropped_by_policy(self):
        result = phx_fw(None, "explain", "--rules", SPEC_RULES, "10.0.0.141", "10.0.0.155", "tcp", "11434")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("  forward: drop by policy (no row matches)\n", result.stdout)
        self.assertTrue(result.stdout.endswith("verdict: drop by policy\n"))

    def test_hosts_are_found_by_id_and_unknown_ones_get_a_suggestion(self):
        by_id = phx_fw(None, "show", "--rules", SPEC_RULES, "--host", "101")
        by_name = phx_fw(None, "show", "--rules", SPEC_RULES, "--host", "nginx")
        self.assertEqual(by_id.returncode, 0, by_id.stderr)
        self.assertEqual(by_id.stdout, by_name.stdout)
        wrong = phx_fw(None, "show", "--rules", SPEC_RULES, "--host", "ngnix")
        self.assertEqual(wrong.returncode, 1)
        self.assertIn("(did you mean 'nginx'?)", wrong.stderr)

    def test_every_command_has_help_and_takes_rules(self):
        for command in ("check", "show", "diff", "apply", "explain", "list", "flush", "watch", "metrics",
                        "inventory"):
            with self.subTest(command=command):
                result = phx_fw(None, command, "--help")
                self.assertEqual(result.returncode, 0)
                self.assertIn("--rules", result.stdout)

    def test_without_rules_only_the_installed_file_is_read(self):
        # A checkout's rules/phoenix.toml in the current directory must not be
        # picked up behind the admin's back; here it is broken, so using it shows.
        with tempfile.TemporaryDirectory() as checkout:
            os.mkdir(os.path.join(checkout, "rules"))
            with open(os.path.join(checkout, "rules", "phoenix.toml"), "w", encoding="utf-8") as f:
                f.write("this is not TOML\n")
            result = subprocess.run([PHX_FW, "check"], cwd=checkout, capture_output=True, text=True, timeout=20)
        self.assertNotIn("rules/phoenix.toml", result.stdout + result.stderr)
        if os.path.exists("/etc/phoenix/rules.toml"):
            self.assertIn("/etc/phoenix/rules.toml", result.stdout)
        else:
            self.assertEqual(result.returncode, 1)
            self.assertIn("no --rules given, and the installed rules file /etc/phoenix/rules.toml does not exist",
                          result.stderr)

    def test_exit_status_is_2_for_usage_errors_and_1_for_bad_input(self):
        for args in (["--no-such-flag"], ["check", "--no-such-flag"], ["apply", "--confirm", "0"],
                     ["explain", "--rules", SPEC_RULES]):
            with self.subTest(args=args):
                result = phx_fw(None, *args)
                self.assertEqual(result.returncode, 2, result.stderr)
                self.assertIn("Run with --help", result.stderr)
        for path, why in (("/nonexistent/rules.toml", "No such file or directory"),
                          (os.path.dirname(SPEC_RULES), "is a directory"),
                          ("/dev/zero", "is a device")):
            with self.subTest(path=path):
                result = phx_fw(None, "check", "--rules", path)
                self.assertEqual(result.returncode, 1)
                self.assertIn(f"{path}: error: cannot read the file: {why}\n", result.stderr)
        self.assertIn("2 a usage error", phx_fw(None, "--help").stdout)

    def test_a_fifo_and_a_file_nested_35000_levels_deep_fail_fast_with_a_message(self):
        directory = tempfile.mkdtemp(prefix="phx-fw-input-")
        self.addCleanup(shutil.rmtree, directory)
        fifo = os.path.join(directory, "rules.toml")
        os.mkfifo(fifo)  # no writer: a plain open() would block forever
        result = phx_fw(None, "check", "--rules", fifo)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{fifo}: error: cannot read the file: is a pipe (FIFO)\n", result.stderr)
        deep = os.path.join(directory, "deep.toml")
        with open(deep, "w", encoding="utf-8") as f:
            f.write("a" + ".a" * 35000 + " = 1\n")  # toml++ alone ran out of stack on this
        result = phx_fw(None, "check", "--rules", deep)
        self.assertEqual(result.returncode, 1)
        self.assertIn(f"{deep}:1:128: error: a key of more than 64 levels", result.stderr)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The phx-dnsd command line: --check on good and broken zones and configs,
--version, --help, bind failures, and a clean stop on SIGTERM."""

import os
import socket
import subprocess
import unittest

from phxdns import DNSD, MAIN_ZONE, SOURCE_DIR, TEST_ZONE, Dnsd, free_port, write_config

BAD = os.path.join(SOURCE_DIR, "tests", "zones", "bad")


def dnsd(*args):
    return subprocess.run([DNSD, *args], capture_output=True, text=True, timeout=20)


class CliTests(unittest.TestCase):
    def test_check_accepts_the_bundled_zone_and_prints_a_summary(self):
        out = dnsd("--check", "--listen", "127.0.0.1:5353", "--zone", MAIN_ZONE, "--zone", TEST_ZONE)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("zone internal.thinkheads.ai.: 12 records at 11 names, serial 2026112501", out.stdout)
        self.assertIn("zone phx.test.:", out.stdout)
        self.assertIn("listen 127.0.0.1:5353", out.stdout)
        # The last line is the outcome, in phx-fw check's words.
        self.assertTrue(out.stdout.endswith("\ncommand line: 2 zone(s): 0 error(s), 0 warning(s)\n"), out.stdout)
        self.assertEqual(out.stderr, "")

    def test_check_reports_each_broken_zone_at_file_and_line(self):
        cases = {
            "conflict.example.zone": ":9: error: www.conflict.example. has a CNAME and A data (line 7)",
            "syntax.example.zone": ":7: error: ",
            "outside.example.zone": ":7: error: www.thinkheads.ai. is outside the zone outside.example.",
            "twosoa.example.zone": ":7: error: a second SOA record at twosoa.example. (the first is at line 4)",
        }
        for name, expected in cases.items():
            path = os.path.join(BAD, name)
            out = dnsd("--check", "--listen", "127.0.0.1:5353", "--zone", path)
            with self.subTest(zone=name):
                self.assertEqual(out.returncode, 1)
                self.assertIn(path + expected, out.stderr)
                self.assertIn("nothing is served", out.stderr)
                self.assertEqual(out.stdout, "")
        both = dnsd("--check", "--listen", "127.0.0.1:5353", "--zone", os.path.join(BAD, "twosoa.example.zone"))
        self.assertIn("error: no NS records at the zone apex twosoa.example.", both.stderr)

    def test_a_broken_zone_is_not_served_at_all(self):
        out = dnsd("--listen", f"127.0.0.1:{free_port()}", "--zone", MAIN_ZONE,
                   "--zone", os.path.join(BAD, "conflict.example.zone"))
        self.assertEqual(out.returncode, 1)
        self.assertIn("conflict.example.zone:9: error:", out.stderr)

    def test_config_errors_name_file_line_and_column_with_a_suggestion(self):
        path = write_config('[server]\nlisen = ["127.0.0.1:53"]\n\n[[zone]]\nfile = "x.zone"\norign = "x."\n')
        try:
            out = dnsd("--check", "--config", path)
        finally:
            os.unlink(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}:2:1: error: unknown key 'lisen' in [server] (did you mean 'listen'?)", out.stderr)
        self.assertIn(f"{path}:6:1: error: unknown key 'orign' in [[zone]] #1 (did you mean 'origin'?)", out.stderr)

    def test_config_file_and_command_line_combine(self):
        path = write_config(f'[server]\nlisten = ["127.0.0.1:53"]\n[[zone]]\nfile = "{MAIN_ZONE}"\n')
        try:
            out = dnsd("--check", "--config", path, "--listen", "127.0.0.1:5300", "--zone", TEST_ZONE)
        finally:
            os.unlink(path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("listen 127.0.0.1:5300;", out.stdout)  # --listen replaces the file's list
        self.assertIn("zone internal.thinkheads.ai.", out.stdout)  # --zone adds to its zones
        self.assertIn("zone phx.test.", out.stdout)

    def test_missing_listen_or_zone_is_an_error(self):
        out = dnsd("--zone", MAIN_ZONE)  # to serve, it must know where
        self.assertEqual(out.returncode, 1)
        self.assertIn("command line: error: no listen address", out.stderr)
        path = write_config(f'[[zone]]\nfile = "{MAIN_ZONE}"\n')
        try:
            out = dnsd("--check", "--config", path)  # a config is checked as it would be served
        finally:
            os.unlink(path)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"{path}: error: no listen address", out.stderr)
        out = dnsd("--check", "--listen", "127.0.0.1:53")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no zone", out.stderr)

    def test_check_with_only_zones_checks_the_zones(self):
        # Like nsd-checkzone: `--check --zone FILE` needs no listen address.
        out = dnsd("--check", "--zone", MAIN_ZONE)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("zone internal.thinkheads.ai.: 12 records", out.stdout)
        self.assertIn("listen nowhere (zones checked only)", out.stdout)
        bad = os.path.join(BAD, "conflict.example.zone")
        out = dnsd("--check", "--zone", bad)
        self.assertEqual(out.returncode, 1)
        self.assertIn(bad + ":9: error: www.conflict.example. has a CNAME and A data (line 7)", out.stderr)
        self.assertNotIn("listen", out.stderr)

    def test_version_and_help(self):
        version = dnsd("--version")
        self.assertEqual(version.returncode, 0)
        self.assertRegex(version.stdout.strip(), r"^phx-dnsd \d+\.\d+\.\d+$")
        help_text = dnsd("--help").stdout
        for option in ("--config", "--listen", "--zone", "--check", "--workers", "--version"):
            self.assertIn(option, help_text)

    def test_exit_status_is_2_for_usage_errors_and_1_for_bad_input(self):
        for args in (["--no-such-flag"], ["--workers", "99"], ["--listen"]):
            with self.subTest(args=args):
                out = dnsd(*args)
                self.assertEqual(out.returncode, 2, out.stderr)
                self.assertIn("Run with --help", out.stderr)
        missing = dnsd("--check", "--config", "/nonexistent/phx-dnsd.toml")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("/nonexistent/phx-dnsd.toml: error: cannot read the file: No such file or directory",
                      missing.stderr)
        directory = dnsd("--check", "--zone", SOURCE_DIR)
        self.assertEqual(directory.returncode, 1)
        self.assertIn(f"{SOURCE_DIR}: error: cannot read the zone file: is a directory", directory.stderr)
        self.assertIn("2 on a usage error", dnsd("--help").stdout)

    def test_a_port_in_use_is_a_clear_error(self):
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
            holder.bind(("127.0.0.1", port))
            out = dnsd("--listen", f"127.0.0.1:{port}", "--zone", MAIN_ZONE)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"cannot listen on 127.0.0.1:{port}/udp: Address already in use", out.stderr)

    def test_sigterm_stops_cleanly_with_exit_code_zero(self):
        server = Dnsd().__enter__()
        try:
            self.assertEqual(server.stop(), 0)
            self.assertIn("stopped", server.log())
        finally:
            os.unlink(server.stderr_path)


if __name__ == "__main__":
    unittest.main()

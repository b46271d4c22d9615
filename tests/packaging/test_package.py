# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian package: it builds from the build tree, holds the expected
files with /etc/phoenix as conffiles, its units pass systemd-analyze verify,
and the configuration it ships is valid as shipped."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

BUILD_DIR = os.environ["PHX_BUILD_DIR"]

EXPECTED = [
    "./usr/sbin/phx-dnsd",
    "./usr/sbin/phx-fw",
    "./usr/lib/systemd/system/phx-dnsd.service",
    "./usr/lib/systemd/system/phx-fw.service",
    "./usr/lib/sysusers.d/phoenix-network.conf",
    "./usr/lib/tmpfiles.d/phoenix-network.conf",
    "./usr/lib/modules-load.d/phx-fw.conf",
    "./usr/lib/sysctl.d/90-phx-fw.conf",
    "./etc/phoenix/phx-dnsd.toml",
    "./etc/phoenix/rules.toml",
    "./etc/phoenix/zones/internal.thinkheads.ai.zone",
    "./usr/share/doc/phoenix-network/README.md",
    "./usr/share/doc/phoenix-network/copyright",
    "./usr/share/man/man8/phx-dnsd.8",
    "./usr/share/man/man8/phx-fw.8",
]


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="phx-package-")
        out = run("cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"),
                  "-B", cls.dir)
        if out.returncode != 0:
            raise AssertionError(f"cpack failed: {out.stdout}{out.stderr}")
        debs = [f for f in os.listdir(cls.dir) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.dir, debs[0])
        cls.root = os.path.join(cls.dir, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_the_package_lists_the_expected_files(self):
        listing = run("dpkg-deb", "-c", self.deb).stdout
        files = {line.split()[-1] for line in listing.splitlines()}
        for path in EXPECTED:
            self.assertIn(path, files)
        self.assertRegex(listing, r"-rwxr-xr-x root/root .* \./usr/sbin/phx-dnsd")

    def test_control_fields_conffiles_and_maintainer_script(self):
        fields = run("dpkg-deb", "-f", self.deb).stdout
        self.assertIn("Package: phoenix-network", fields)
        depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
        for library in ("libzscanner", "libnftnl", "libmnl", "libsystemd0", "systemd"):
            self.assertIn(library, depends)
        control = os.path.join(self.dir, "control")
        subprocess.run(["dpkg-deb", "-e", self.deb, control], check=True)
        with open(os.path.join(control, "conffiles")) as f:
            conffiles = set(f.read().split())
        self.assertEqual(conffiles, {"/etc/phoenix/phx-dnsd.toml", "/etc/phoenix/rules.toml",
                                     "/etc/phoenix/zones/internal.thinkheads.ai.zone"})
        with open(os.path.join(control, "postinst")) as f:
            postinst = f.read()
        self.assertIn("systemd-sysusers /usr/lib/sysusers.d/phoenix-network.conf", postinst)
        self.assertNotIn("systemctl enable", postinst)  # a firewall is applied by an admin, not by dpkg
        self.assertEqual(run("sh", "-n", os.path.join(control, "postinst")).returncode, 0)

    def test_systemd_analyze_verify_accepts_the_units(self):
        units = os.path.join(self.dir, "units")
        os.makedirs(units)
        for name in ("phx-dnsd.service", "phx-fw.service"):
            with open(os.path.join(self.root, "usr/lib/systemd/system", name)) as f:
                text = f.read()
            # Point the units at the packaged binaries, wherever they were unpacked.
            with open(os.path.join(units, name), "w") as f:
                f.write(text.replace("/usr/sbin/", os.path.join(self.root, "usr/sbin") + "/"))
        out = run("systemd-analyze", "verify", *(os.path.join(units, u) for u in os.listdir(units)))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr.strip(), "", "systemd-analyze had complaints")

    def test_the_shipped_configuration_is_valid_as_shipped(self):
        etc = os.path.join(self.root, "etc/phoenix")
        config = os.path.join(etc, "phx-dnsd.toml")
        run_dir = os.path.join(self.dir, "run-phx-dnsd")  # what RuntimeDirectory= gives the service
        os.makedirs(run_dir)
        with open(config) as f:
            text = f.read().replace("/etc/phoenix/", etc + "/").replace("/run/phx-dnsd/", run_dir + "/")
        with open(config, "w") as f:
            f.write(text)
        fw = os.path.join(self.root, "usr/sbin/phx-fw")
        out = run(fw, "check", "--rules", os.path.join(etc, "rules.toml"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        # The unit's first ExecStartPre: the reverse zone from the shipped inventory.
        out = run(fw, "zone", "--rules", os.path.join(etc, "rules.toml"),
                  "--output", os.path.join(run_dir, "0.0.10.in-addr.arpa.zone"))
        self.assertEqual(out.returncode, 0, out.stderr)
        dnsd = os.path.join(self.root, "usr/sbin/phx-dnsd")
        out = run(dnsd, "--check", "--config", config)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("zone internal.thinkheads.ai.: 12 records", out.stdout)
        self.assertIn("zone 0.0.10.in-addr.arpa.:", out.stdout)
        self.assertIn("listen 10.0.0.13:53, 127.0.0.1:53", out.stdout)

    def test_man_pages_are_made_from_help(self):
        for program in ("phx-dnsd", "phx-fw"):
            with open(os.path.join(self.root, f"usr/share/man/man8/{program}.8")) as f:
                page = f.read()
            self.assertIn(".SH DESCRIPTION", page)
            self.assertIn(program, page)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The Debian package: it builds from the build tree, holds the expected
files with /etc/phoenix as conffiles, its units pass systemd-analyze verify,
its postinst makes this host's TSIG secret (mode 0640, group phx-dnsd,
kept on upgrade, removed on purge), and the configuration it ships works as
shipped: run through the unit's own commands, every inventory host's
address has one PTR naming a name that resolves back to it, for the spec's
network and, changed only where an admin would, for the second example
network."""

import base64
import ipaddress
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import tomllib
import unittest

BUILD_DIR = os.environ["PHX_BUILD_DIR"]
SOURCE = os.environ["PHX_SOURCE_DIR"]
sys.path.insert(0, os.path.join(SOURCE, "tests", "lab"))
import netns  # noqa: E402

EXPECTED = [
    "./usr/sbin/phx-dnsd",
    "./usr/sbin/phx-fw",
    "./usr/lib/systemd/system/phx-dnsd.service",
    "./usr/lib/systemd/system/phx-fw.service",
    "./usr/lib/systemd/system/phx-fw-cluster.service",
    "./usr/lib/systemd/system/phx-fw-cluster.path",
    "./usr/lib/systemd/system/phx-fw-cluster.timer",
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


UNITS = ("phx-dnsd.service", "phx-fw.service", "phx-fw-cluster.service", "phx-fw-cluster.path",
         "phx-fw-cluster.timer")


def run(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def read_all(log):
    log.flush()
    log.seek(0)
    return log.read()


def inventory_zone(etc):
    """The first [[zone]] of the config in `etc`: where the host names are."""
    with open(os.path.join(etc, "phx-dnsd.toml"), "rb") as f:
        path = tomllib.load(f)["zone"][0]["file"]
    return os.path.basename(path).removesuffix(".zone")


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
        cls.control = os.path.join(cls.dir, "control")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)

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
        for library in ("libzscanner", "libnftnl", "libmnl", "libsystemd0", "systemd", "libssl3"):
            self.assertIn(library, depends)
        control = self.control
        with open(os.path.join(control, "conffiles")) as f:
            conffiles = set(f.read().split())
        self.assertEqual(conffiles, {"/etc/phoenix/phx-dnsd.toml", "/etc/phoenix/rules.toml",
                                     "/etc/phoenix/zones/internal.thinkheads.ai.zone"})
        with open(os.path.join(control, "postinst")) as f:
            postinst = f.read()
        self.assertIn("systemd-sysusers /usr/lib/sysusers.d/phoenix-network.conf", postinst)
        self.assertNotIn("systemctl enable", postinst)  # a firewall is applied by an admin, not by dpkg
        self.assertEqual(run("sh", "-n", os.path.join(control, "postinst")).returncode, 0)
        self.assertEqual(run("sh", "-n", os.path.join(control, "postrm")).returncode, 0)
        # No secret travels in the package: each host makes its own.
        listing = run("dpkg-deb", "-c", self.deb).stdout
        self.assertNotIn("secret", listing)

    def run_maintainer_script(self, name, etc, *args):
        """The package's maintainer script `name`, run with `args` against
        `etc` for /etc/phoenix; the commands that would change this
        machine's users, groups and units are stubs that record their
        arguments. Returns the recorded calls, one string each."""
        with open(os.path.join(self.control, name)) as f:
            text = f.read().replace("/etc/phoenix/", etc + "/")
        stubs = os.path.join(self.dir, "stubs")
        os.makedirs(stubs, exist_ok=True)
        for command in ("systemd-sysusers", "systemd-tmpfiles", "systemctl", "chgrp"):
            with open(os.path.join(stubs, command), "w") as f:
                f.write(f'#!/bin/sh\necho "{command} $*" >> "$PHX_STUB_LOG"\n')
            os.chmod(os.path.join(stubs, command), 0o755)
        script = os.path.join(self.dir, f"{name}.under-test")
        with open(script, "w") as f:
            f.write(text)
        calls = os.path.join(self.dir, "stub-calls")
        open(calls, "w").close()
        out = run("sh", "-e", script, *args,
                  env=dict(os.environ, PATH=f"{stubs}:{os.environ['PATH']}", PHX_STUB_LOG=calls))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        with open(calls) as f:
            return f.read().splitlines()

    def test_systemd_analyze_verify_accepts_the_units(self):
        units = os.path.join(self.dir, "units")
        os.makedirs(units)
        for name in UNITS:
            with open(os.path.join(self.root, "usr/lib/systemd/system", name)) as f:
                text = f.read()
            # Point the units at the packaged binaries, wherever they were unpacked.
            with open(os.path.join(units, name), "w") as f:
                f.write(text.replace("/usr/sbin/", os.path.join(self.root, "usr/sbin") + "/"))
        out = run("systemd-analyze", "verify", *(os.path.join(units, u) for u in os.listdir(units)))
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr.strip(), "", "systemd-analyze had complaints")

    def test_the_cluster_units_run_the_service_again_on_every_change_and_tick(self):
        units = os.path.join(self.root, "usr/lib/systemd/system")

        def keys(name):
            with open(os.path.join(units, name)) as f:
                return [line.strip() for line in f if "=" in line and not line.startswith("#")]

        service = keys("phx-fw-cluster.service")
        # RemainAfterExit would make every later start a no-op.
        self.assertIn("Type=oneshot", service)
        self.assertFalse([key for key in service if key.startswith("RemainAfterExit")])
        self.assertIn("ExecStart=/usr/sbin/phx-fw apply --if-changed --rules /etc/pve/phoenix/rules.toml", service)
        self.assertIn("PathChanged=/etc/pve/phoenix/rules.toml", keys("phx-fw-cluster.path"))
        self.assertIn("Unit=phx-fw-cluster.service", keys("phx-fw-cluster.path"))
        timer = keys("phx-fw-cluster.timer")
        self.assertIn("OnUnitActiveSec=30s", timer)
        self.assertIn("Unit=phx-fw-cluster.service", timer)

    def unit_commands(self, key, etc):
        """The unit's `key=` command lines (ExecStartPre, ExecStart, ...),
        pointed at the unpacked binaries and at `etc` for /etc/phoenix."""
        with open(os.path.join(self.root, "usr/lib/systemd/system/phx-dnsd.service")) as f:
            lines = [line.split("=", 1)[1].strip() for line in f if line.startswith(key + "=")]
        return [line.replace("/usr/sbin/", os.path.join(self.root, "usr/sbin") + "/")
                .replace("/etc/phoenix/", etc + "/").split() for line in lines]

    def etc_copy(self, name):
        """A copy of the package's /etc/phoenix whose config names the copy,
        after the postinst ran on it (it makes the TSIG secret)."""
        etc = os.path.join(self.dir, name)
        shutil.copytree(os.path.join(self.root, "etc/phoenix"), etc)
        self.edit(os.path.join(etc, "phx-dnsd.toml"), [("/etc/phoenix/", etc + "/")])
        self.run_maintainer_script("postinst", etc, "configure")
        return etc

    def test_the_transfer_secret_is_made_on_install_kept_on_upgrade_and_purged(self):
        etc = self.etc_copy("etc-secret")
        path = os.path.join(etc, "xfr-key.secret")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        with open(path) as f:
            secret = f.read().strip()
        self.assertEqual(len(base64.b64decode(secret, validate=True)), 32)  # hmac-sha256's size
        calls = self.run_maintainer_script("postinst", etc, "configure")  # an upgrade
        self.assertIn(f"chgrp phx-dnsd {path}", calls)
        with open(path) as f:
            self.assertEqual(f.read().strip(), secret)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)

        # The shipped configuration reads it and never prints it.
        phx_dnsd = os.path.join(self.root, "usr/sbin/phx-dnsd")
        out = run(phx_dnsd, "--check", "--config", os.path.join(etc, "phx-dnsd.toml"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("tsig key xfr-key. (hmac-sha256)", out.stdout)
        self.assertNotIn(secret, out.stdout + out.stderr)
        # Readable by every user, it is refused, and the error does not quote it.
        os.chmod(path, 0o644)
        out = run(phx_dnsd, "--check", "--config", os.path.join(etc, "phx-dnsd.toml"))
        os.chmod(path, 0o640)
        self.assertEqual(out.returncode, 1)
        self.assertIn(f"secret_file {path} is readable by every user (mode 0644)", out.stderr)
        self.assertNotIn(secret, out.stdout + out.stderr)

        self.run_maintainer_script("postrm", etc, "remove")
        self.assertTrue(os.path.exists(path))  # remove keeps configuration
        self.run_maintainer_script("postrm", etc, "purge")
        self.assertFalse(os.path.exists(path))

    @staticmethod
    def edit(path, replacements):
        with open(path) as f:
            text = f.read()
        for old, new in replacements:
            assert old in text, f"{old!r} is not in {path}"
            text = text.replace(old, new)
        with open(path, "w") as f:
            f.write(text)

    def serve_with_the_units_commands(self, etc):
        """Runs phx-dnsd.service's own commands on `etc` in a namespace of
        its own where the hypervisor's address exists, as on the host; checks
        every inventory host is forward-confirmed (one PTR, naming a name that
        resolves back to the address) after start and after a reload.
        Returns a dig function for more checks and the inventory."""
        with open(os.path.join(etc, "rules.toml"), "rb") as f:
            inventory = tomllib.load(f)
        hypervisor = inventory["hypervisor"]
        prefix = ipaddress.ip_network(hypervisor["network"]).prefixlen
        ns = netns.create("pkg")
        self.addCleanup(netns.delete, ns)
        netns.exec_in(ns, "ip", "link", "add", "vmbr0", "type", "bridge")
        netns.exec_in(ns, "ip", "addr", "add", f"{hypervisor['address']}/{prefix}", "dev", "vmbr0")
        netns.exec_in(ns, "ip", "link", "set", "vmbr0", "up")
        for command in self.unit_commands("ExecStartPre", etc):
            out = netns.exec_in(ns, *command, check=False)
            self.assertEqual(out.returncode, 0, f"{command}: {out.stdout}{out.stderr}")
        [start] = self.unit_commands("ExecStart", etc)
        log = tempfile.TemporaryFile(mode="w+")
        server = subprocess.Popen(["ip", "netns", "exec", ns, *start], stdout=log, stderr=log)
        self.addCleanup(lambda: (server.terminate(), server.wait(10), log.close()))

        def dig_run(*args):
            return netns.exec_in(ns, "dig", f"@{hypervisor['address']}", "+time=2", "+tries=1",
                                 "+short", *args, check=False)

        def dig(*args):
            out = dig_run(*args)
            # dig +short prints ";; communications error" on stdout: never an answer.
            self.assertEqual(out.returncode, 0, f"dig {args}: {out.stdout}{out.stderr}")
            return out.stdout.split()

        for _ in range(100):
            # Ready only once the SOA really comes back (exit 0 and a record).
            ready = dig_run("SOA", inventory_zone(etc))
            if ready.returncode == 0 and ready.stdout.strip():
                break
            self.assertIsNone(server.poll(), "phx-dnsd stopped")
            time.sleep(0.1)
        hosts = [hypervisor] + inventory.get("guest", [])

        def every_host_forward_confirmed():
            for host in hosts:
                names = dig("-x", host["address"])
                self.assertEqual(len(names), 1, f"{host['address']}: {names}")
                self.assertEqual(dig(names[0], "AAAA" if ":" in host["address"] else "A"),
                                 [host["address"]], names[0])
                self.assertEqual(names[0].split(".")[0], host["name"])

        every_host_forward_confirmed()
        # ExecReload: the check, then SIGHUP to the running server.
        for command in self.unit_commands("ExecReload", etc):
            command = [str(server.pid) if word == "$MAINPID" else word for word in command]
            out = netns.exec_in(ns, *command, check=False)
            self.assertEqual(out.returncode, 0, f"{command}: {out.stdout}{out.stderr}")
        deadline = time.monotonic() + 10
        while "reload: zone" not in read_all(log):
            self.assertLess(time.monotonic(), deadline, read_all(log))
            time.sleep(0.05)
        every_host_forward_confirmed()
        with open(os.path.join(etc, "xfr-key.secret")) as f:
            self.assertNotIn(f.read().strip(), read_all(log))  # the key is loaded, never logged
        return dig, hosts

    def test_the_shipped_configuration_serves_every_host_by_name_and_address(self):
        netns.require_root()
        etc = self.etc_copy("etc-shipped")
        out = run(os.path.join(self.root, "usr/sbin/phx-fw"), "check", "--rules",
                  os.path.join(etc, "rules.toml"))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        dig, hosts = self.serve_with_the_units_commands(etc)
        self.assertEqual(len(hosts), 10)
        # The spec's service names are unchanged: every one is the gateway.
        self.assertEqual(dig("traefik.internal.thinkheads.ai"), ["10.0.0.153"])
        self.assertEqual(dig("ns1.internal.thinkheads.ai"), ["10.0.0.13"])
        self.assertEqual(dig("-x", "10.0.0.12"), ["traefik.hosts.internal.thinkheads.ai."])
        self.assertEqual(dig("-x", "10.0.0.99"), [])  # no host: NXDOMAIN

    def test_another_network_needs_only_its_rules_its_zone_and_the_addresses(self):
        """The second example network (rules/examples/workshop.toml) served
        by the packaged configuration, changed only where an admin would."""
        netns.require_root()
        etc = self.etc_copy("etc-workshop")
        shutil.copy(os.path.join(SOURCE, "rules/examples/workshop.toml"), os.path.join(etc, "rules.toml"))
        os.remove(os.path.join(etc, "zones/internal.thinkheads.ai.zone"))
        shutil.copy(os.path.join(SOURCE, "zones/examples/workshop.home.arpa.zone"), os.path.join(etc, "zones"))
        with open(os.path.join(etc, "rules.toml"), "rb") as f:
            hypervisor = tomllib.load(f)["hypervisor"]
        self.edit(os.path.join(etc, "phx-dnsd.toml"), [
            ('"10.0.0.13:53"', f'"{hypervisor["address"]}:53"'),
            ('"10.0.0.0/24"', f'"{hypervisor["network"]}"'),
            ("zones/internal.thinkheads.ai.zone", "zones/workshop.home.arpa.zone")])
        dig, hosts = self.serve_with_the_units_commands(etc)
        for host in hosts:
            self.assertEqual(dig("-x", host["address"]), [f"{host['name']}.hosts.workshop.home.arpa."])
        self.assertEqual(dig("traefik.internal.thinkheads.ai"), [])  # the spec's zone is gone

    def test_man_pages_are_made_from_help(self):
        for program in ("phx-dnsd", "phx-fw"):
            with open(os.path.join(self.root, f"usr/share/man/man8/{program}.8")) as f:
                page = f.read()
            self.assertIn(".SH DESCRIPTION", page)
            self.assertIn(program, page)


if __name__ == "__main__":
    unittest.main()

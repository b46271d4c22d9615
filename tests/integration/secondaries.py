# SPDX-License-Identifier: GPL-3.0-or-later
"""NSD and Knot (Debian packages) as secondaries of phx-dnsd on loopback:
each runs in the foreground from a private temporary directory, loads its
zones from phx-dnsd by AXFR with TSIG, accepts NOTIFY from it, and offers
its copies by AXFR (unsigned, to loopback) so a test can compare them.

The zone/key/remote blocks come from nsd_snippet() and knot_snippet(),
which also render the README's "More than one nameserver" examples: the
test checks that the README shows exactly what runs here, up to
addresses, paths and secrets."""

import os
import shutil
import subprocess
import tempfile
import time

import dns.exception
import dns.message
import dns.query

from phxdns import LOCALHOST, free_port


def nsd_snippet(primary, primary_port, key, secret, zones, zone_dir):
    """The part of nsd.conf that makes NSD a secondary of phx-dnsd."""
    zone_blocks = "".join(f"""zone:
    name: {origin}
    zonefile: "{zone_dir}/{origin}.zone"
    allow-notify: {primary} {key}
    request-xfr: {primary}@{primary_port} {key}
""" for origin in zones)
    return f"""key:
    name: "{key}"
    algorithm: hmac-sha256
    secret: "{secret}"
{zone_blocks}"""


def knot_snippet(primary, primary_port, key, secret, zones):
    """The part of knot.conf that makes Knot a secondary of phx-dnsd."""
    zone_list = "".join(f"""  - domain: {origin}
    master: phx-dnsd
    acl: notify-from-phx-dnsd
""" for origin in zones)
    return f"""key:
  - id: {key}
    algorithm: hmac-sha256
    secret: {secret}

remote:
  - id: phx-dnsd
    address: {primary}@{primary_port}
    key: {key}

acl:
  - id: notify-from-phx-dnsd
    address: {primary}
    key: {key}
    action: notify

zone:
{zone_list}"""


def nsd_config(d, port, primary_port, key, secret, zones):
    return f"""server:
    ip-address: {LOCALHOST}@{port}
    port: {port}
    zonesdir: "{d}"
    database: ""
    pidfile: "{d}/nsd.pid"
    username: ""
    chroot: ""
    zonelistfile: "{d}/zone.list"
    xfrdfile: "{d}/xfrd.state"
    xfrdir: "{d}"
    verbosity: 2
    server-count: 1
    hide-version: yes
    rrl-ratelimit: 0
remote-control:
    control-enable: no
pattern:
    name: offer-to-tests
    provide-xfr: {LOCALHOST} NOKEY
{nsd_snippet(LOCALHOST, primary_port, key, secret, zones, d)}""".replace(
        "    request-xfr:", "    include-pattern: offer-to-tests\n    request-xfr:")


def knot_config(d, port, primary_port, key, secret, zones):
    snippet = knot_snippet(LOCALHOST, primary_port, key, secret, zones)
    # The tests read the copies back by AXFR: one more ACL, for loopback.
    snippet = snippet.replace("    action: notify\n", "    action: notify\n"
                              "  - id: transfer-to-tests\n"
                              f"    address: {LOCALHOST}\n"
                              "    action: transfer\n")
    snippet = snippet.replace("    acl: notify-from-phx-dnsd\n",
                              "    acl: [notify-from-phx-dnsd, transfer-to-tests]\n")
    return f"""server:
    rundir: "{d}"
    listen: {LOCALHOST}@{port}
    user: root:root
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
log:
  - target: stderr
    any: info
database:
    storage: "{d}/db"
template:
  - id: default
    storage: "{d}"
{snippet}"""


SECONDARIES = {
    "nsd": (nsd_config, "nsd.conf", lambda conf: ["nsd", "-d", "-c", conf]),
    "knot": (knot_config, "knot.conf", lambda conf: ["knotd", "-c", conf]),
}


class Secondary:
    """NSD or Knot as a secondary for `zones` of the phx-dnsd on
    `primary_port`, signed with key `key` (`secret` in base64). The port
    is chosen in advance, so phx-dnsd can be told where to send NOTIFY."""

    def __init__(self, name, primary_port, key, secret, zones):
        self.name = name
        self.port = free_port()
        self.args = (primary_port, key, secret, zones)
        self.dir = tempfile.mkdtemp(prefix=f"phx-secondary-{name}-")
        self.proc = None
        self.log = None

    def __enter__(self):
        make_config, conf_name, command = SECONDARIES[self.name]
        os.makedirs(os.path.join(self.dir, "db"))  # Knot's journal: without it, no IXFR is kept
        conf = os.path.join(self.dir, conf_name)
        with open(conf, "w") as out:
            out.write(make_config(self.dir, self.port, *self.args))
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(command(conf), stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def serial(self, zone, timeout=0.5):
        """The SOA serial this secondary serves for `zone`, or None."""
        try:
            reply = dns.query.udp(dns.message.make_query(zone, "SOA"), LOCALHOST, port=self.port,
                                  timeout=timeout)
        except (dns.exception.Timeout, OSError):
            return None
        return reply.answer[0][0].serial if reply.answer and reply.rcode() == 0 else None

    def wait_for_serial(self, zone, serial, timeout):
        """Seconds until it serves `serial`; fails after `timeout`."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.read_log()}")
            if self.serial(zone, timeout=0.2) == serial:
                return time.monotonic() - start
            time.sleep(0.01)
        raise AssertionError(f"{self.name} did not serve {zone} serial {serial} within {timeout} s "
                             f"(it serves {self.serial(zone)}):\n{self.read_log()[-3000:]}")

    def read_log(self):
        self.log.flush()
        with open(os.path.join(self.dir, "log")) as f:
            return f.read()

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

# SPDX-License-Identifier: GPL-3.0-or-later
"""NSD, Knot and BIND (Debian packages) serving the same zone files on free
loopback ports, for the differential test. Each runs in the foreground from
a private temporary directory and is stopped when the context ends.

All three are configured for minimal responses (NSD and BIND
`minimal-responses yes`; Knot is minimal by default), the behaviour
phx-dnsd implements: no NS RRset in the authority section of positive
answers."""

import os
import shutil
import subprocess
import tempfile
import time

import dns.exception
import dns.message
import dns.query

from phxdns import LOCALHOST, free_port


def nsd_config(d, port, zones):
    zone_blocks = "".join(f"zone:\n    name: {origin}\n    zonefile: {os.path.basename(f)}\n" for origin, f in zones)
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
    verbosity: 0
    server-count: 1
    hide-version: yes
    minimal-responses: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
{zone_blocks}"""


def knot_config(d, port, zones):
    """Knot with a control socket and query counters (mod-stats), so tests
    can tell whether a query reached it."""
    zone_list = "".join(f"  - domain: {origin}\n    file: {os.path.basename(f)}\n" for origin, f in zones)
    return f"""server:
    rundir: "{d}"
    listen: {LOCALHOST}@{port}
    user: root:root
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
control:
    listen: "{d}/knot.sock"
database:
    storage: "{d}/db"
log:
  - target: stderr
    any: error
mod-stats:
  - id: counters
    request-protocol: on
template:
  - id: default
    storage: "{d}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    global-module: mod-stats/counters
zone:
{zone_list}"""


def bind_config(d, port, zones):
    zone_list = "".join(f'zone "{origin}" {{ type primary; file "{d}/{os.path.basename(f)}"; }};\n'
                        for origin, f in zones)
    return f"""options {{
    directory "{d}";
    listen-on port {port} {{ {LOCALHOST}; }};
    listen-on-v6 {{ none; }};
    pid-file "{d}/named.pid";
    recursion no;
    dnssec-validation no;
    notify no;
    allow-transfer {{ none; }};
    minimal-responses yes;
}};
controls {{ }};
{zone_list}"""


PEERS = {
    "nsd": (nsd_config, "nsd.conf", lambda conf: ["nsd", "-d", "-c", conf]),
    "knot": (knot_config, "knot.conf", lambda conf: ["knotd", "-c", conf]),
    "bind": (bind_config, "named.conf", lambda conf: ["named", "-g", "-n", "1", "-c", conf]),
}


class Peer:
    """One reference server. `zones` is a list of (origin, file)."""

    def __init__(self, name, zones):
        self.name = name
        self.zones = zones
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"phx-{name}-")
        self.proc = None

    def __enter__(self):
        make_config, conf_name, command = PEERS[self.name]
        for _, f in self.zones:
            shutil.copy(f, self.dir)
        conf = os.path.join(self.dir, conf_name)
        with open(conf, "w") as out:
            out.write(make_config(self.dir, self.port, self.zones))
        self.log = open(os.path.join(self.dir, "log"), "w")
        self.proc = subprocess.Popen(command(conf), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        origin = self.zones[0][0]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                dns.query.udp(dns.message.make_query(origin, "SOA"), LOCALHOST, port=self.port, timeout=0.2)
                return self
            except (dns.exception.Timeout, OSError):
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"{self.name} did not start: {open(os.path.join(self.dir, 'log')).read()}")

    def counters(self):
        """Knot's mod-stats counters, e.g. {"server-operation[query]": 3}."""
        assert self.name == "knot"
        out = subprocess.run(["knotc", "-c", os.path.join(self.dir, "knot.conf"), "stats", "mod-stats"],
                             capture_output=True, text=True, check=True).stdout
        counters = {}
        for line in out.splitlines():
            key, _, value = line.partition(" = ")
            counters[key.removeprefix("mod-stats.")] = int(value)
        return counters

    def queries(self):
        """How many queries have reached this server."""
        return self.counters().get("server-operation[query]", 0)

    def stop(self):
        self.__exit__()

    def __exit__(self, *exc):
        if self.log.closed:
            return
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

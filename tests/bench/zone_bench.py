#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Zone-scale benchmark: a generated zone of N records (1,000,000 by default)
loaded by phx-dnsd, Knot and NSD on the same machine in the same run.

Reported per server: the time from start until the zone's SOA is answered
(the load), peak RSS while loading (VmHWM, of the largest process: NSD's
children share the parent's pages), RSS once serving (VmRSS), and for
phx-dnsd also `--check` (time, peak RSS) and two reloads (SIGHUP: time
until the reload is logged, peak RSS during it against the steady RSS): of
the same file (kept, not read again), and after one record is added and the
serial raised (read and built again while the old zone serves).
The checkers of the others (kzonecheck, nsd-checkzone) are timed beside
phx-dnsd --check. Ratios are phx-dnsd's over the other's."""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from phxdns import free_port  # noqa: E402

ORIGIN = "bench.example"


def write_zone(path, records):
    """SOA, NS and `records` more: 60 % A, 20 % AAAA, 10 % TXT, 5 % MX, 5 %
    CNAME (each alias a name of its own), over names host<i>, a few records
    per name as real zones have."""
    rng = random.Random(20261205)
    with open(path, "w") as f:
        f.write(f"$ORIGIN {ORIGIN}.\n$TTL 3600\n"
                "@ SOA ns1 hostmaster 2026120501 3600 900 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n")
        name = 0
        written = 0
        while written < records:
            name += 1
            for _ in range(rng.choice((1, 1, 2, 3))):
                if written == records:
                    break
                pick = rng.random()
                n = rng.randrange(1 << 24)
                if pick < 0.60:
                    f.write(f"host{name} A 10.{n >> 16}.{(n >> 8) & 255}.{n & 255}\n")
                elif pick < 0.80:
                    f.write(f"host{name} AAAA 2001:db8::{n >> 16:x}:{n & 0xffff:x}\n")
                elif pick < 0.90:
                    f.write(f'host{name} TXT "v=spf1 ip4:10.{n >> 16}.0.0/16 -all" "id {n}"\n')
                elif pick < 0.95:
                    f.write(f"host{name} MX {n % 50} mail{n % 997}\n")
                else:
                    f.write(f"alias{written} CNAME host{max(1, name - 1)}\n")
                written += 1
    return written


def timed_run(cmd):
    """(seconds, peak RSS MiB, exit status) of a command run to its end."""
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.monotonic() - start
    proc.stderr.close()
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def family(pid):
    """pid and all its descendants."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children = {}
    for line in out.splitlines():
        p, pp = (int(x) for x in line.split())
        children.setdefault(pp, []).append(p)
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        todo.extend(children.get(p, []))
    return pids


def answers_soa(port):
    query = dns.message.make_query(ORIGIN, dns.rdatatype.SOA)
    try:
        reply = dns.query.udp(query, "127.0.0.1", port=port, timeout=0.2)
    except (dns.exception.Timeout, OSError):
        return False
    return any(rrset.rdtype == dns.rdatatype.SOA for rrset in reply.answer)


class Server:
    """A server started on the zone; load time is start until the SOA answers."""

    def __init__(self, name, cmd, port, log_path):
        self.name = name
        self.port = port
        self.log = open(log_path, "w+")
        start = time.monotonic()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        while not answers_soa(port):
            if self.proc.poll() is not None:
                self.log.seek(0)
                raise RuntimeError(f"{name} exited: {self.log.read()[-2000:]}")
            if time.monotonic() - start > 600:
                raise RuntimeError(f"{name} did not answer within 10 minutes")
            time.sleep(0.05)
        self.load_s = time.monotonic() - start

    def peak_mib(self):
        return max(status_kib(p, "VmHWM") for p in family(self.proc.pid)) / 1024

    def rss_mib(self):
        return max(status_kib(p, "VmRSS") for p in family(self.proc.pid)) / 1024

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def knot_conf(directory, zone, port):
    conf = os.path.join(directory, "knot.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    rundir: "{directory}"
    listen: 127.0.0.1@{port}
    user: root:root
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{directory}"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{directory}"
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
  - domain: {ORIGIN}
    file: {zone}
""")
    return conf


def nsd_conf(directory, zone, port):
    conf = os.path.join(directory, "nsd.conf")
    with open(conf, "w") as f:
        f.write(f"""server:
    ip-address: 127.0.0.1@{port}
    port: {port}
    zonesdir: "{directory}"
    database: ""
    pidfile: "{directory}/nsd.pid"
    username: ""
    chroot: ""
    zonelistfile: "{directory}/zone.list"
    xfrdfile: "{directory}/xfrd.state"
    xfrdir: "{directory}"
    server-count: 1
    verbosity: 0
remote-control:
    control-enable: no
zone:
    name: {ORIGIN}
    zonefile: {zone}
""")
    return conf


def reset_peak(pid):
    """Restarts VmHWM at the current RSS (Linux >= 4.0), so the next peak
    is the reload's, not the start's."""
    with open(f"/proc/{pid}/clear_refs", "w") as f:
        f.write("5")


def reload_phx(server):
    """SIGHUP; (seconds until the reload is logged, peak RSS MiB during it)."""
    reset_peak(server.proc.pid)
    server.log.seek(0, os.SEEK_END)
    before = server.log.tell()
    start = time.monotonic()
    server.proc.send_signal(signal.SIGHUP)
    while True:
        server.log.seek(before)
        text = server.log.read()
        if "reload: zone" in text or "reload failed" in text:
            break
        if time.monotonic() - start > 600:
            raise RuntimeError("phx-dnsd did not finish reloading")
        time.sleep(0.05)
    return time.monotonic() - start, server.peak_mib()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000000)
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build", "release"))
    args = parser.parse_args()
    phx = os.path.join(args.build_dir, "dnsd", "phx-dnsd")
    work = tempfile.mkdtemp(prefix="phx-zone-bench-")
    try:
        zone = os.path.join(work, f"{ORIGIN}.zone")
        written = write_zone(zone, args.records)
        size_mib = os.path.getsize(zone) / 2**20
        print(f"zone {ORIGIN}: {written:,} records, {size_mib:.1f} MiB")

        check = timed_run([phx, "--check", "--zone", zone])
        kcheck = timed_run(["kzonecheck", "-o", ORIGIN, zone]) if shutil.which("kzonecheck") else None
        ncheck = timed_run(["nsd-checkzone", ORIGIN, zone]) if shutil.which("nsd-checkzone") else None

        results = {}
        for name in ("phx-dnsd", "knot", "nsd"):
            port = free_port()
            directory = os.path.join(work, name)
            os.makedirs(directory)
            if name == "phx-dnsd":
                cmd = [phx, "--listen", f"127.0.0.1:{port}", "--zone", zone, "--workers", "1"]
            elif name == "knot":
                cmd = ["knotd", "-c", knot_conf(directory, zone, port)]
            else:
                cmd = ["nsd", "-d", "-c", nsd_conf(directory, zone, port)]
            server = Server(name, cmd, port, os.path.join(directory, "log"))
            try:
                time.sleep(1)  # let it settle after the load
                results[name] = {"load": server.load_s, "peak": server.peak_mib(), "rss": server.rss_mib()}
                if name == "phx-dnsd":
                    steady = server.rss_mib()
                    seconds, peak = reload_phx(server)
                    results[name].update(reload=seconds, reload_peak=peak, steady=steady)
                    with open(zone) as f:
                        text = f.read()
                    with open(zone, "w") as f:
                        f.write(text.replace(" 2026120501 ", " 2026120502 ", 1) + "added A 192.0.2.99\n")
                    time.sleep(0.5)
                    steady = server.rss_mib()
                    seconds, peak = reload_phx(server)
                    results[name].update(edit_reload=seconds, edit_peak=peak, edit_steady=steady)
            finally:
                server.stop()

        print()
        print("| server | load s | peak RSS MiB | RSS serving MiB | check s | check peak MiB |")
        print("|---|---:|---:|---:|---:|---:|")
        checks = {"phx-dnsd": check, "knot": kcheck, "nsd": ncheck}
        for name, r in results.items():
            c = checks.get(name)
            check_cells = f"{c[0]:.2f} | {c[1]:.0f}" if c else "- | -"
            print(f"| {name} | {r['load']:.2f} | {r['peak']:.0f} | {r['rss']:.0f} | {check_cells} |")
        p, k, n = results["phx-dnsd"], results["knot"], results["nsd"]
        print()
        print(f"phx-dnsd load time / Knot's: {p['load'] / k['load']:.2f}x   (target: at most 1.0x)")
        print(f"phx-dnsd peak RSS / NSD's:  {p['peak'] / n['peak']:.2f}x   (target: at most 1.0x)")
        print(f"phx-dnsd --check / kzonecheck: {check[0] / kcheck[0]:.2f}x" if kcheck else "")
        print(f"phx-dnsd reload, file unchanged: {p['reload']:.2f} s, peak {p['reload_peak']:.0f} MiB "
              f"against {p['steady']:.0f} MiB serving: {p['reload_peak'] / p['steady']:.2f}x   "
              f"(target: at most 1.5x)")
        # Against the serving RSS before any reload: after the first one
        # malloc may keep freed pages, which would flatter the ratio.
        print(f"phx-dnsd reload, one record added: {p['edit_reload']:.2f} s, peak {p['edit_peak']:.0f} MiB "
              f"against {p['steady']:.0f} MiB serving: {p['edit_peak'] / p['steady']:.2f}x   "
              f"(target: at most 1.5x)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS benchmark: phx-dnsd against Knot and NSD (and the do-nothing floor),
serving the project's own zone on loopback, driven by dnsperf at the same
offered load, servers alternating over several rounds.

Reported per server (median over rounds): QPS, average and p99 latency, lost
queries, server CPU per query (all its threads, from /proc/PID/task/*/schedstat,
nanosecond resolution), peak RSS (VmHWM), and ratios to Knot.

On a 2-core machine dnsperf itself needs several microseconds per query, so
the query rate is bounded by the load generator: CPU per query at the same
offered load is the honest figure. Every server gets one worker thread.

phx-dnsd runs with its shipped UDP batch window (dnsd/net/udp_pacer.hpp):
under sustained load it answers in batches, the window adapted to gather
about 16 queries and never longer than the setting, which trades a fraction of
a millisecond of latency for far fewer wake-ups. To show both sides of that
trade the table also has phx-dnsd with the window off (it then waits inside
recvmmsg under load: dnsd/net/udp_direct.hpp), and the floor with the same
window ("floor+window") next to the plain floor. NSD is left out if it is not
installed.

Then a latency sweep: phx-dnsd with and without the window, and Knot, at
offered loads from 1,000 queries/s to unpaced (--sweep), since the window
must keep p99 under 1 ms at any load, not only at the table's.

The closing rows are the targets of issue 15: CPU per query against Knot's
(window off at most 0.85x, window on at most 0.7x) and p99 latency (window
off no worse than Knot's, window on under 1 ms, at every load of the
sweep)."""

import argparse
import os
import re
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
from phxdns import free_port  # noqa: E402

ZONE = os.path.join(SOURCE, "zones", "internal.thinkheads.ai.zone")
HOSTS = ["nginx", "traefik", "ca", "portainer", "portainer-agent", "granite-embedding", "granite-3b",
         "ollama", "llamacpp"]


def query_file(path, count=100000):
    """70 % A hits in random case, 10 % AAAA NODATA, 10 % NXDOMAIN in the
    zone, 5 % SOA/NS at the apex, 5 % names outside the zone."""
    rng = random.Random(20261125)
    with open(path, "w") as f:
        for i in range(count):
            pick = rng.random()
            host = f"{rng.choice(HOSTS)}.internal.thinkheads.ai"
            if pick < 0.70:
                name = "".join(c.upper() if c.isalpha() and rng.random() < 0.5 else c for c in host)
                f.write(f"{name} A\n")
            elif pick < 0.80:
                f.write(f"{host} AAAA\n")
            elif pick < 0.90:
                f.write(f"nosuch{rng.randrange(10**6)}.internal.thinkheads.ai A\n")
            elif pick < 0.95:
                f.write(f"internal.thinkheads.ai {rng.choice(['SOA', 'NS'])}\n")
            else:
                f.write(f"www{rng.randrange(10**6)}.example.com A\n")


def default_window_us(build_dir):
    """phx-dnsd's shipped batch window, from its own --check summary."""
    out = subprocess.run([os.path.join(build_dir, "dnsd", "phx-dnsd"), "--check", "--zone", ZONE],
                         capture_output=True, text=True, check=True).stdout
    return int(re.search(r"UDP batch window (\d+) us", out).group(1))


class Server:
    def __init__(self, name, build_dir, workdir, window_us):
        self.name = name
        self.port = free_port()
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        shutil.copy(ZONE, self.dir)
        zone = os.path.join(self.dir, os.path.basename(ZONE))
        if name.startswith("phx-dnsd"):
            cmd = [os.path.join(build_dir, "dnsd", "phx-dnsd"), "--listen", f"127.0.0.1:{self.port}",
                   "--zone", zone, "--workers", "1"]
            if name == "phx-dnsd-nowindow":
                cmd += ["--udp-batch-window", "0"]
        elif name.startswith("floor"):
            cmd = [os.path.join(build_dir, "tests", "bench", "floor_responder"), "127.0.0.1", str(self.port), "1",
                   str(window_us if name == "floor+window" else 0)]
        elif name == "knot":
            conf = os.path.join(self.dir, "knot.conf")
            with open(conf, "w") as f:
                f.write(f"""server:
    rundir: "{self.dir}"
    listen: 127.0.0.1@{self.port}
    user: root:root
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{self.dir}"
log:
  - target: stderr
    any: error
template:
  - id: default
    storage: "{self.dir}"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: internal.thinkheads.ai
    file: {zone}
""")
            cmd = ["knotd", "-c", conf]
        elif name == "nsd":
            conf = os.path.join(self.dir, "nsd.conf")
            with open(conf, "w") as f:
                # NSD's response rate limiting would drop a benchmark's queries.
                f.write(f"""server:
    ip-address: 127.0.0.1@{self.port}
    port: {self.port}
    zonesdir: "{self.dir}"
    database: ""
    pidfile: "{self.dir}/nsd.pid"
    username: ""
    chroot: ""
    zonelistfile: "{self.dir}/zone.list"
    xfrdfile: "{self.dir}/xfrd.state"
    xfrdir: "{self.dir}"
    server-count: 1
    verbosity: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: internal.thinkheads.ai
    zonefile: {zone}
""")
            cmd = ["nsd", "-d", "-c", conf]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            raise RuntimeError(f"{name} did not start")

    def pids(self):
        """The server's processes and all their descendants (NSD answers
        from a grandchild of the process we started)."""
        out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
        children = {}
        for line in out.splitlines():
            pid, ppid = (int(x) for x in line.split())
            children.setdefault(ppid, []).append(pid)
        pids, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(children.get(pid, []))
        return pids

    def cpu_ns(self):
        total = 0
        for pid in self.pids():
            task_dir = f"/proc/{pid}/task"
            for tid in os.listdir(task_dir):
                with open(f"{task_dir}/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
        return total

    def peak_rss_kib(self):
        peak = 0
        for pid in self.pids():
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak += int(line.split()[1])
        return peak

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_dnsperf(server, queries, seconds, qps, extra=()):
    """dnsperf at `qps` (0: unpaced) for `seconds`; `extra`: more dnsperf
    options (EDNS)."""
    cpu_before = server.cpu_ns()
    pace = ["-Q", str(qps)] if qps > 0 else []  # 0: as fast as dnsperf can send
    proc = subprocess.Popen(["dnsperf", "-s", "127.0.0.1", "-p", str(server.port), "-d", queries, "-l", str(seconds),
                             *pace, "-c", "4", "-v", *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True)
    latencies, stats = [], {}
    for line in proc.stdout:
        if line.startswith("> "):
            latencies.append(float(line.rsplit(" ", 1)[1]))
        elif "Queries sent:" in line:
            stats["sent"] = int(line.split()[2])
        elif "Queries completed:" in line:
            stats["completed"] = int(line.split()[2])
        elif "Queries lost:" in line:
            stats["lost"] = int(line.split()[2])
        elif "Queries per second:" in line:
            stats["qps"] = float(line.split()[3])
    proc.wait()
    cpu = server.cpu_ns() - cpu_before
    latencies.sort()
    return {
        "qps": stats["qps"], "lost": stats["lost"],
        "cpu_us": cpu / 1000 / max(1, stats["completed"]),
        "avg_ms": 1000 * statistics.fmean(latencies) if latencies else float("nan"),
        "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else float("nan"),
    }


# The window must keep p99 under 1 ms at any load, not only the one the
# table is measured at: from a homelab's trickle, through the loads where the
# window starts to pay (a few queries a window) and where it is as short as
# it gets, to as fast as dnsperf can send (0), where every server queues.
SWEEP_QPS = (1000, 5000, 15000, 30000, 60000, 0)
SWEEP_SERVERS = ("phx-dnsd", "phx-dnsd-nowindow", "knot")
SWEEP_ROUNDS = 2


def sweep(servers, queries, loads, seconds):
    """{load: {server: [dnsperf results, one per round]}} for the servers
    the sweep compares, taking turns as the main rounds do."""
    names = [n for n in SWEEP_SERVERS if n in servers]
    results = {}
    for qps in loads:
        results[qps] = {n: [] for n in names}
        for r in range(SWEEP_ROUNDS):
            for n in names[r % len(names):] + names[:r % len(names)]:
                results[qps][n].append(run_dnsperf(servers[n], queries, seconds, qps))
        print(f"sweep {qps or 'unpaced'}: " + ", ".join(
            f"{n} p99 {statistics.median(x['p99_ms'] for x in results[qps][n]):.3f} ms"
            for n in names), file=sys.stderr)
    return results


def report_sweep(results, seconds):
    """The sweep's table; its check: the window's p99 under 1 ms at every load."""
    print(f"\nLatency sweep: {SWEEP_ROUNDS} rounds x {seconds} s per server and offered load (medians); "
          f"CPU vs Knot at the same load\n")
    print("| offered qps | phx-dnsd QPS | p99 ms window on | p99 ms window off | p99 ms Knot | avg ms window on | "
          "avg ms window off | CPU vs Knot window on | window off | lost window on |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    worst = 0.0
    for qps, by_server in results.items():
        def med(n, key):
            return statistics.median(x[key] for x in by_server[n])
        worst = max(worst, med("phx-dnsd", "p99_ms"))
        print(f"| {qps if qps else 'unpaced'} | {med('phx-dnsd', 'qps'):.0f} | {med('phx-dnsd', 'p99_ms'):.3f} | "
              f"{med('phx-dnsd-nowindow', 'p99_ms'):.3f} | {med('knot', 'p99_ms'):.3f} | "
              f"{med('phx-dnsd', 'avg_ms'):.3f} | {med('phx-dnsd-nowindow', 'avg_ms'):.3f} | "
              f"{med('phx-dnsd', 'cpu_us') / med('knot', 'cpu_us'):.2f}x | "
              f"{med('phx-dnsd-nowindow', 'cpu_us') / med('knot', 'cpu_us'):.2f}x | "
              f"{sum(x['lost'] for x in by_server['phx-dnsd'])} |")
    print()
    loads = ", ".join(str(q) if q else "unpaced" for q in results)
    return [(f"window on: phx-dnsd p99 latency < 1 ms at every offered load ({loads})", worst < 1.0,
             f"at most {worst:.3f} ms")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build", "release"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--qps", type=int, default=30000, help="offered load for every server")
    parser.add_argument("--sweep", default=",".join(str(q) for q in SWEEP_QPS),
                        help="offered loads for the latency sweep, comma-separated (0: unpaced; empty: no sweep)")
    parser.add_argument("--sweep-seconds", type=int, default=4)
    args = parser.parse_args()
    sweep_loads = [int(q) for q in args.sweep.split(",") if q.strip()]

    workdir = tempfile.mkdtemp(prefix="phx-dns-bench-")
    queries = os.path.join(workdir, "queries.txt")
    query_file(queries)
    window = default_window_us(args.build_dir)
    names = ["phx-dnsd", "phx-dnsd-nowindow", "knot", "nsd", "floor", "floor+window"]
    if shutil.which("nsd") is None:
        names.remove("nsd")
    servers = {}
    try:
        for n in names:
            servers[n] = Server(n, args.build_dir, workdir, window)
        results = {n: [] for n in names}
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]  # alternate who goes first
            for n in order:
                results[n].append(run_dnsperf(servers[n], queries, args.seconds, args.qps))
                print(f"round {r + 1}: {n:9} {results[n][-1]['qps']:9.0f} qps  "
                      f"{results[n][-1]['cpu_us']:5.2f} us/query", file=sys.stderr)
        rss = {n: servers[n].peak_rss_kib() for n in names}
        sweep_results = sweep(servers, queries, sweep_loads, args.sweep_seconds)
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def med(n, key):
        return statistics.median(x[key] for x in results[n])

    print(f"\nDNS benchmark: {args.rounds} rounds x {args.seconds} s per server at {args.qps} offered qps, "
          f"1 worker thread each, dnsperf -c 4, {os.cpu_count()} CPUs; phx-dnsd UDP batch window {window} us "
          f"(phx-dnsd-nowindow: 0; floor+window: the floor paced like phx-dnsd)\n")
    print(f"| server | QPS | avg latency ms | p99 latency ms | lost | CPU us/query | peak RSS MiB | CPU vs Knot | "
          f"QPS vs Knot |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in names:
        print(f"| {n} | {med(n, 'qps'):.0f} | {med(n, 'avg_ms'):.3f} | {med(n, 'p99_ms'):.3f} | "
              f"{sum(x['lost'] for x in results[n])} | {med(n, 'cpu_us'):.2f} | {rss[n] / 1024:.1f} | "
              f"{med(n, 'cpu_us') / med('knot', 'cpu_us'):.2f}x | {med(n, 'qps') / med('knot', 'qps'):.2f}x |")
    phx, knot, floor = (med(n, "cpu_us") for n in ("phx-dnsd", "knot", "floor"))
    direct = med("phx-dnsd-nowindow", "cpu_us")
    p99 = {n: med(n, "p99_ms") for n in names}
    print(f"\nCPU per query vs Knot (median of rounds, same run): phx-dnsd window off {direct / knot:.2f}x, "
          f"window on (adaptive) {phx / knot:.2f}x" +
          (f", NSD {med('nsd', 'cpu_us') / knot:.2f}x" if "nsd" in names else ""))
    print("p99 latency ms: " + ", ".join(
        f"{label} {p99[n]:.3f}" for label, n in (("phx-dnsd window off", "phx-dnsd-nowindow"),
                                                 ("phx-dnsd window on (adaptive)", "phx-dnsd"),
                                                 ("Knot", "knot"), ("NSD", "nsd")) if n in names))
    checks = [
        ("window off: phx-dnsd CPU per query <= 0.85x Knot", direct <= 0.85 * knot, f"{direct / knot:.2f}x"),
        ("window off: phx-dnsd p99 latency <= Knot's", p99["phx-dnsd-nowindow"] <= p99["knot"],
         f"{p99['phx-dnsd-nowindow']:.3f} ms vs {p99['knot']:.3f} ms"),
        ("window on: phx-dnsd p99 latency < 1 ms", p99["phx-dnsd"] < 1.0, f"{p99['phx-dnsd']:.3f} ms"),
        ("phx-dnsd CPU per query <= 0.7x Knot", phx <= 0.7 * knot, f"{phx / knot:.2f}x"),
        ("phx-dnsd CPU per query within 1.3x of the floor", phx <= 1.3 * floor, f"{phx / floor:.2f}x"),
        ("phx-dnsd QPS >= Knot", med("phx-dnsd", "qps") >= 0.995 * med("knot", "qps"),
         f"{med('phx-dnsd', 'qps') / med('knot', 'qps'):.3f}x"),
        ("phx-dnsd lost no query", sum(x["lost"] for x in results["phx-dnsd"]) == 0,
         str(sum(x["lost"] for x in results["phx-dnsd"]))),
        ("phx-dnsd peak RSS < 16 MiB", rss["phx-dnsd"] < 16 * 1024, f"{rss['phx-dnsd'] / 1024:.1f} MiB"),
    ]
    print()
    print(f"(not a target) phx-dnsd vs the floor with the same window: "
          f"{phx / med('floor+window', 'cpu_us'):.2f}x; with the window off phx-dnsd is "
          f"{med('phx-dnsd-nowindow', 'cpu_us') / knot:.2f}x Knot and "
          f"{med('phx-dnsd-nowindow', 'cpu_us') / floor:.2f}x the floor; average latency "
          f"{med('phx-dnsd', 'avg_ms'):.3f} ms with the window, {med('phx-dnsd-nowindow', 'avg_ms'):.3f} ms without, "
          f"Knot {med('knot', 'avg_ms'):.3f} ms")
    if sweep_results:
        checks += report_sweep(sweep_results, args.sweep_seconds)
    for what, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {value}")
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Firewall benchmark: `phx-fw apply` against `nft -f` and the bare batch.

For generated policies of 1k, 10k and 50k rows in two shapes ("project":
tests/bench/fw_rules_gen.py, mostly global host-to-host rows; "mixed":
tests/bench/fw_rules_gen_mixed.py, host by host in all four scope forms
with a drop row every 100 rows; each says what it holds), in a network
namespace of its own:
  - `phx-fw apply --rules R`;
  - `nft -f S`, where S is `phx-fw show --rules R`: the same ruleset as text;
  - the floor: fw_batch_floor sending the very batch apply sends, built
    beforehand, so only the kernel's work is left;
each run in turn, rotating who goes first, several runs each, every run
starting from a namespace without phx-fw's tables and, by default, right
after `fw_batch_floor warm` took and gave back 256 MiB in huge pages: on a
VM that reports free pages to its host, memory freed a few seconds earlier
costs 1.4-2 ms per MiB to touch again (0.05 ms when just freed), which
would time each tool by how much memory it touches after the others ran.
Reported: median wall time (process start to exit, `ip netns exec`
included for all three alike), the spread, peak RSS, the ratios, and where
apply's own time went (the stages it reports: reading the rules,
compiling, building the batch, the kernel). Before the timing, each size
is checked: the table nft loads from S and the one the floor batch installs
are both what apply installs (`phx-fw diff` finds no change).

Then the data path: copies of a small lab (a hypervisor namespace with
bridge vmbr0 and br_netfilter on, a client guest and a server guest on veth
ports, as in tests/lab), one with no ruleset, one with connection tracking
and nothing else (a forward chain that only says `ct state
established,related accept`, loaded with nft: what statefulness alone
costs, and the baseline a stateful policy is measured against), a second
such lab (how far two identical labs differ: the resolution of every ratio
below), one with a
one-row policy (the stateful base every phx-fw policy has: conntrack and
the fixed rules), and one per shape with its largest policy. Connects from
client to server cross the hypervisor's forward chain and are admitted by
the policy's last row. Connects to the labs are interleaved in runs of 20,
in an order shuffled every round, so drift and noise from other load hit
all alike, and a lab's ratio to conntrack only is taken round by round.

Nothing here touches the calling namespace's ruleset; every namespace is
named after this process and removed at exit, also on failure."""

import argparse
import atexit
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "lab"))
import fw_rules_gen  # noqa: E402
import fw_rules_gen_mixed  # noqa: E402
import netns  # noqa: E402  (namespaces named after this process, deleted at exit)

netns.PREFIX = f"phxfwb{os.getpid()}-"
# The data path's client and servers, on different CPUs when there are two.
CLIENT_CPUS = {0}
SERVER_CPUS = {1} if os.cpu_count() and os.cpu_count() > 1 else {0}
GNU_TIME = "/usr/bin/time"
SHAPES = {"project": fw_rules_gen, "mixed": fw_rules_gen_mixed}
# What apply says about its own time: "rules read in 78.5 ms, compiled in ...".
STAGES = ("read", "compiled", "built", "kernel")
STAGE_PATTERN = re.compile(r"rules read in ([\d.]+) ms, compiled in ([\d.]+) ms, built in ([\d.]+) ms, "
                           r"kernel ([\d.]+) ms")
_processes = []


# --- namespaces and processes -------------------------------------------------

def run(*args, check=True):
    return netns.run(*args, check=check, timeout=300)  # loading 50k rows takes a while


def create_namespace(name):
    full = netns.create(name)
    # apply's hypervisor target refuses to load without br_netfilter on.
    run("ip", "netns", "exec", full, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
        "net.bridge.bridge-nf-call-ip6tables=1")
    return full


@atexit.register
def clean_up():
    for proc in _processes:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    netns.delete_all()


def on_signal(signum, _frame):
    sys.exit(128 + signum)  # runs clean_up


def in_ns(ns, *args):
    return ["ip", "netns", "exec", ns, *args]


def timed(cmd):
    """Runs cmd; (wall seconds, peak RSS in KiB, output). GNU time reads the
    peak RSS: a child forked from this Python process would count Python's
    own pages (rusage keeps the maximum from before exec)."""
    with tempfile.NamedTemporaryFile("r") as rss, tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.run([GNU_TIME, "-f", "%M", "-o", rss.name, *cmd], stdout=out, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode(errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{text}")
        return wall, int(rss.read().split()[-1]), text


# --- loading the ruleset --------------------------------------------------------

class Size:
    def __init__(self, shape, rows, workdir, tools):
        self.shape = shape
        self.rows = rows
        self.name = f"{shape} {rows}"
        self.rules = os.path.join(workdir, f"{shape}-{rows}.toml")
        self.nft = os.path.join(workdir, f"{shape}-{rows}.nft")
        self.batch = os.path.join(workdir, f"{shape}-{rows}.batch")
        with open(self.rules, "w") as f:
            f.write(SHAPES[shape].generate(rows))
        self.megabytes = os.path.getsize(self.rules) / 1e6
        with open(self.nft, "w") as f:
            f.write(run(tools.phx_fw, "show", "--rules", self.rules).stdout)
        run(tools.floor, "save", self.rules, self.batch)
        with open(self.nft) as f:  # element lines: a counter and a comment, no verdict
            self.elements = sum(1 for line in f if re.search(r"counter packets \d+ bytes \d+ comment", line))
        self.check = timed([tools.phx_fw, "check", "--rules", self.rules])
        self.check_summary = self.check[2].strip().splitlines()[-1]
        self.commands = {
            "phx-fw apply": [tools.phx_fw, "apply", "--rules", self.rules],
            "nft -f": ["nft", "-f", self.nft],
            "floor": [tools.floor, "send", self.batch],
        }
        self.results = {name: [] for name in self.commands}


class Tools:
    def __init__(self, build_dir):
        self.phx_fw = os.path.join(build_dir, "fwcompile", "phx-fw")
        self.floor = os.path.join(build_dir, "tests", "bench", "fw_batch_floor")
        for path in (self.phx_fw, self.floor):
            if not os.access(path, os.X_OK):
                raise RuntimeError(f"{path} is missing: build phx-fw and fw_batch_floor first")
        if not shutil.which("nft"):
            raise RuntimeError("nft is missing: apt-get install nftables")
        if not os.access(GNU_TIME, os.X_OK):
            raise RuntimeError(f"{GNU_TIME} is missing: apt-get install time")


def drop_table(ns):
    """Both of phx-fw's tables: a bridge table left from another policy would
    hold a set declared for that policy's guests, too small for this one's."""
    for family in ("inet", "bridge"):
        run(*in_ns(ns, "nft", "delete", "table", family, "phx"), check=False)


def check_same_ruleset(ns, size, tools):
    """nft -f of show's text and the floor's batch install what apply would."""
    for name in ("nft -f", "floor"):
        drop_table(ns)
        run(*in_ns(ns, *size.commands[name]))
        diff = run(*in_ns(ns, tools.phx_fw, "diff", "--rules", size.rules), check=False)
        if diff.returncode != 0:
            raise RuntimeError(f"{name} installed another ruleset than phx-fw apply would for "
                               f"{size.name} rows:\n{diff.stdout[:2000]}{diff.stderr}")
    drop_table(ns)


def load_benchmark(sizes, runs, tools, warm_mib):
    ns = create_namespace("load")
    for size in sizes:
        check_same_ruleset(ns, size, tools)
        names = list(size.commands)
        for r in range(runs):
            for name in names[r % len(names):] + names[:r % len(names)]:
                drop_table(ns)
                if warm_mib:
                    run(tools.floor, "warm", str(warm_mib))
                size.results[name].append(timed(in_ns(ns, *size.commands[name])))
            print(f"{size.name} rows, run {r + 1}: " + ", ".join(
                f"{n} {size.results[n][-1][0] * 1000:.0f} ms" for n in names), file=sys.stderr)
        drop_table(ns)


# --- the data path --------------------------------------------------------------

# Statefulness and nothing else: the connection tracking any stateful
# firewall needs, with no rule of its own to traverse.
CONNTRACK_ONLY = """table inet ctonly {
    chain forward {
        type filter hook forward priority filter; policy accept;
        ct state established,related accept
    }
}
"""

class Lab:
    """Hypervisor namespace with vmbr0, client and server guests on veth ports."""

    def __init__(self, tag, rules, tools, nft_ruleset=None):
        self.tag = tag
        self.hv = create_namespace(f"{tag}-hv")
        self.client = create_namespace(f"{tag}-cl")
        self.server = create_namespace(f"{tag}-sv")
        hv = self.hv
        run("ip", "-n", hv, "link", "add", "vmbr0", "type", "bridge")
        run("ip", "-n", hv, "addr", "add", f"{fw_rules_gen.HYPERVISOR}/16", "dev", "vmbr0")
        run("ip", "-n", hv, "link", "set", "vmbr0", "up")
        # The ports are the ones the policies' inventory gives the two hosts:
        # table bridge phx drops a guest's address from any other port.
        for port, ns, address in ((fw_rules_gen.PORTS["bench-client"], self.client, fw_rules_gen.CLIENT),
                                  (fw_rules_gen.PORTS["bench-server"], self.server, fw_rules_gen.SERVER)):
            run("ip", "-n", hv, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
            run("ip", "-n", hv, "link", "set", port, "master", "vmbr0", "up")
            run("ip", "-n", ns, "addr", "add", f"{address}/16", "dev", "eth0")
            run("ip", "-n", ns, "link", "set", "eth0", "up")
        if rules:
            run(*in_ns(hv, tools.phx_fw, "apply", "--rules", rules))
        if nft_ruleset:
            netns.exec_in(hv, "nft", "-f", "-", input=nft_ruleset)
        # The server accepts and closes, in a process of its own, so it never
        # competes with the measuring loop for Python's interpreter lock.
        server = (f"import socket\ns = socket.socket()\ns.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                  f"s.bind(('{fw_rules_gen.SERVER}', {fw_rules_gen.PROBE_PORT}))\ns.listen(4096)\n"
                  f"print('ready', flush=True)\nwhile True:\n    s.accept()[0].close()\n")
        proc = subprocess.Popen(in_ns(self.server, sys.executable, "-c", server), stdout=subprocess.PIPE, text=True,
                                preexec_fn=lambda: os.sched_setaffinity(0, SERVER_CPUS))
        _processes.append(proc)
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"the server of lab {tag} did not start")

    def sockets(self, count):
        """TCP sockets created inside the client namespace."""
        with netns.entered(self.client):
            return [socket.socket() for _ in range(count)]


def connect_us(sock):
    sock.settimeout(2)
    start = time.perf_counter_ns()
    sock.connect((fw_rules_gen.SERVER, fw_rules_gen.PROBE_PORT))
    elapsed = (time.perf_counter_ns() - start) / 1000
    sock.close()
    return elapsed


def data_path_benchmark(labs, connects):
    """Connect latencies per lab, the labs interleaved in short runs.
    The client runs on one CPU and the servers on the other: a server woken
    on the client's CPU would preempt it in the middle of some connects and
    not others, which splits the latencies into two humps."""
    own_cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, CLIENT_CPUS)
    try:
        return measure_connects(labs, connects)
    finally:
        os.sched_setaffinity(0, own_cpus)


def measure_connects(labs, connects, run_length=20):
    """Rounds in which each lab gets run_length connects in a row, the labs
    in an order drawn anew every round (seeded, so runs repeat); the first
    round only warms up. A connect right after one to the same lab is faster
    (its sockets, route and conntrack entries still in cache): connect by
    connect, the labs in one order and then reversed, five copies of one
    conntrack-only lab differed by up to 6 % from their position alone;
    shuffled, by 1-2 %. Runs of connects measure each ruleset warm, as a host
    sees its own firewall: one stream of packets. Returns each lab's runs,
    round by round."""
    connect_runs = {lab.tag: [] for lab in labs}
    shuffler = random.Random(15)
    rounds = 1 + -(-connects // run_length)
    for round_number in range(rounds):
        order = list(labs)
        shuffler.shuffle(order)
        for lab in order:
            latencies = [connect_us(sock) for sock in lab.sockets(run_length)]
            if round_number > 0:
                connect_runs[lab.tag].append(latencies)
    return connect_runs


def all_connects(lab_runs):
    return [latency for run in lab_runs for latency in run]


def connect_ratio(connect_runs, tag, base="ct"):
    """The median over rounds of the lab's median connect over the base
    lab's in the same round, as apply's ratios are taken run by run: the
    two runs of a round are a few ms apart, so when this VM's latency shifts
    (its slow mode, the host's load) both see the same. Medians of all of a
    lab's connects are what the table's other columns show; from those, two
    copies of one conntrack-only lab once came out 5.5 % apart, in a run
    whose latencies had two humps (p10 25 us, p90 50)."""
    return statistics.median(statistics.median(mine) / statistics.median(theirs)
                             for mine, theirs in zip(connect_runs[tag], connect_runs[base]))


# --- reporting -------------------------------------------------------------------

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def ratio(size, name, other):
    """The median over runs of name's time over other's in the same run: the
    three tools of a run are timed back to back, so load that comes and goes
    on a shared machine weighs on both sides of each ratio alike."""
    return statistics.median(a[0] / b[0] for a, b in zip(size.results[name], size.results[other]))


def stage_medians(size):
    """Median ms of each stage apply reported over the runs."""
    stages = [[float(x) for x in STAGE_PATTERN.search(r[2]).groups()] for r in size.results["phx-fw apply"]]
    return [statistics.median(column) for column in zip(*stages)]


def report_load(sizes, runs, warm_mib):
    warmed = (f"{warm_mib} MiB of memory touched and freed right before each run (--warm-mib)" if warm_mib
              else "memory as the machine left it (--warm-mib 0)")
    print(f"\n## Loading the ruleset: median of {runs} runs, wall time from process start to exit "
          f"(under ip netns exec), phx-fw's tables absent before each run, {warmed}; ratios are "
          f"medians of the per-run ratios\n")
    print("| shape | rows | MB | elements | phx-fw apply ms | nft -f ms | floor ms | apply / nft | apply / floor "
          "| apply MiB | nft MiB | floor MiB | check s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        ms = {n: statistics.median(r[0] for r in s.results[n]) * 1000 for n in s.results}
        mib = {n: statistics.median(r[1] for r in s.results[n]) / 1024 for n in s.results}
        print(f"| {s.shape} | {s.rows} | {s.megabytes:.1f} | {s.elements} | {ms['phx-fw apply']:.1f} | "
              f"{ms['nft -f']:.1f} | {ms['floor']:.1f} | "
              f"{ratio(s, 'phx-fw apply', 'nft -f'):.2f}x | {ratio(s, 'phx-fw apply', 'floor'):.2f}x | "
              f"{mib['phx-fw apply']:.1f} | {mib['nft -f']:.1f} | {mib['floor']:.1f} | {s.check[0]:.2f} |")
    print("\nWhere apply's time went (medians of what it reports; the kernel stage is sending the "
          "batch and waiting for every answer):\n")
    print("| shape | rows | rules read ms | compiled ms | built ms | kernel ms | read MB/s |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in sizes:
        read, compiled, built, kernel = stage_medians(s)
        print(f"| {s.shape} | {s.rows} | {read:.1f} | {compiled:.1f} | {built:.1f} | {kernel:.1f} | "
              f"{s.megabytes / read * 1000:.0f} |")
    print("\nSpread (min-max ms) of the runs:")
    for s in sizes:
        print(f"  {s.name:>13} rows: " + "; ".join(
            f"{n} {min(r[0] for r in s.results[n]) * 1000:.0f}-{max(r[0] for r in s.results[n]) * 1000:.0f}"
            for n in s.results))
    print("\n`phx-fw check` (load and lint):")
    for s in sizes:
        print(f"  {s.name:>13} rows: {s.check[0]:.2f} s, {s.check[1] / 1024:.0f} MiB; {s.check_summary}")


def report_data_path(connect_runs, connects, labels):
    print(f"\n## Data path: TCP connect latency through the hypervisor's forward chain, "
          f"{connects} connects per lab, interleaved\n")
    print("| ruleset | median us | p10 us | p90 us | vs conntrack only (median of per-round ratios) |")
    print("|---|---:|---:|---:|---:|")
    for tag, lab_runs in connect_runs.items():
        values = all_connects(lab_runs)
        print(f"| {labels[tag]} | {statistics.median(values):.1f} | {percentile(values, 0.1):.1f} | "
              f"{percentile(values, 0.9):.1f} | {connect_ratio(connect_runs, tag):.3f}x |")


def verdicts(sizes, connect_runs, labels):
    """Issue 15's targets, each from this run alone."""
    checks = []
    for s in sizes:
        if s.rows < 10000:
            continue  # the targets are for 10k and 50k rows
        r = ratio(s, "phx-fw apply", "floor")
        checks.append((f"{s.name} rows: apply within 1.3x of the floor", r <= 1.3, f"{r:.2f}x"))
        r = ratio(s, "phx-fw apply", "nft -f")
        checks.append((f"{s.name} rows: apply at most 0.5x nft -f", r <= 0.5, f"{r:.2f}x"))
    for shape in dict.fromkeys(s.shape for s in sizes):
        largest = max((s for s in sizes if s.shape == shape), key=lambda s: s.rows)
        checks.append((f"check of {largest.name} rows in seconds (< 10 s)", largest.check[0] < 10,
                       f"{largest.check[0]:.2f} s"))
    for tag in connect_runs:
        if tag.startswith("full-"):
            r = connect_ratio(connect_runs, tag)
            checks.append((f"connect latency with {labels[tag]} within 5 % of conntrack only", r <= 1.05,
                           f"{r:.3f}x"))
    print()
    for what, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}: {value}")
    return all(ok for _, ok, _ in checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build", "release"))
    parser.add_argument("--sizes", default="1000,10000,50000", help="rows per policy, comma-separated")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"of {', '.join(SHAPES)}, comma-separated")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool and size")
    parser.add_argument("--connects", type=int, default=2000, help="connects per lab in the data path")
    parser.add_argument("--warm-mib", type=int, default=256,
                        help="memory to touch and free before each timed run (0: none); see "
                             "fw_batch_floor.cpp's warm")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("fw_bench.py needs root: it creates network namespaces and loads nf_tables rulesets")
    if not os.path.isdir("/proc/sys/net/bridge"):
        run("modprobe", "br_netfilter")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    tools = Tools(args.build_dir)
    shapes = args.shapes.split(",")
    for shape in shapes:
        if shape not in SHAPES:
            sys.exit(f"unknown shape {shape}: the shapes are {', '.join(SHAPES)}")
    workdir = tempfile.mkdtemp(prefix="phx-fw-bench-")
    try:
        sizes = [Size(shape, int(n), workdir, tools) for shape in shapes for n in args.sizes.split(",")]
        load_benchmark(sizes, args.runs, tools, args.warm_mib)
        one_row = os.path.join(workdir, "one-row.toml")
        with open(one_row, "w") as f:
            f.write(fw_rules_gen.generate(1))
        labels = {"none": "none (no table)", "ct": "conntrack only (nft, no phx-fw rule)",
                  "ct-again": "conntrack only, a second lab (the measurement's own spread)", "one": "phx-fw, 1 row"}
        connect_runs = {}
        if args.connects > 0:
            labs = [Lab("none", None, tools), Lab("ct", None, tools, CONNTRACK_ONLY),
                    Lab("ct-again", None, tools, CONNTRACK_ONLY), Lab("one", one_row, tools)]
            for shape in shapes:
                largest = max((s for s in sizes if s.shape == shape), key=lambda s: s.rows)
                labels[f"full-{shape}"] = f"phx-fw, {largest.rows} rows ({shape})"
                labs.append(Lab(f"full-{shape}", largest.rules, tools))
            connect_runs = data_path_benchmark(labs, args.connects)
    finally:
        clean_up()
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"\nphx-fw benchmark on {os.cpu_count()} CPUs, kernel {os.uname().release}, "
          f"{run('nft', '--version').stdout.strip()}")
    report_load(sizes, args.runs, args.warm_mib)
    if connect_runs:
        report_data_path(connect_runs, args.connects, labels)
    return 0 if verdicts(sizes, connect_runs, labels) else 1


if __name__ == "__main__":
    sys.exit(main())

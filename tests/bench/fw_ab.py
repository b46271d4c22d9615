#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Interleaved A/B of `phx-fw apply` builds on one rules file.

    sudo tests/bench/fw_ab.py RULES RUNS PHX_FW_A PHX_FW_B [PHX_FW_C ...]

On this project's VM two runs of the same binary differ by more than most
changes gain (the host moves the kernel's time by ±30 %, and a run can
land in a slow mode when the scheduler moves it between vCPUs). So each
round applies every binary once, in rotating order, in a namespace of its
own with phx-fw's tables dropped and `fw_batch_floor warm 256` run first,
as tests/bench/fw_bench.py does; then the binaries are compared pair by
pair within rounds: the median of the differences, and in how many rounds
the second was faster. Printed per binary: medians of the wall time and
of the stages apply reports ("rules read", "compiled", "built", "kernel");
per binary after the first: the paired differences of the wall time and
of apply's own stages (read + compiled + built), which leave the kernel's
time out, and of each of the three.

fw_batch_floor comes from --build-dir (default build/release). Nothing here
touches the calling namespace's ruleset; the namespace is removed at exit."""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import fw_bench  # noqa: E402  (its namespaces, table drop and stage pattern)
from fw_bench import netns  # noqa: E402

netns.PREFIX = f"phxfwab{os.getpid()}-"


def apply_once(ns, floor, phx_fw, rules):
    """[wall ms, read, compiled, built, kernel] of one apply from no table."""
    fw_bench.drop_table(ns)
    fw_bench.run(floor, "warm", "256")
    start = time.perf_counter()
    proc = fw_bench.run(*fw_bench.in_ns(ns, phx_fw, "apply", "--rules", rules))
    wall = (time.perf_counter() - start) * 1000
    stages = fw_bench.STAGE_PATTERN.search(proc.stdout + proc.stderr)
    if not stages:
        raise RuntimeError(f"{phx_fw} printed no stages:\n{proc.stdout}{proc.stderr}")
    return [wall] + [float(x) for x in stages.groups()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rules")
    parser.add_argument("runs", type=int, help="rounds; each applies every binary once")
    parser.add_argument("phx_fw", nargs="+", help="two or more phx-fw binaries")
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build", "release"))
    args = parser.parse_args()
    if len(args.phx_fw) < 2:
        sys.exit("fw_ab.py: give two or more phx-fw binaries")
    if os.geteuid() == 0 and not os.path.isdir("/proc/sys/net/bridge"):
        netns.run("modprobe", "br_netfilter")
    netns.require_root()
    floor = os.path.join(args.build_dir, "tests", "bench", "fw_batch_floor")
    ns = fw_bench.create_namespace("ab")
    binaries = args.phx_fw
    results = {b: [] for b in binaries}
    for r in range(args.runs):
        for b in binaries[r % len(binaries):] + binaries[:r % len(binaries)]:
            results[b].append(apply_once(ns, floor, b, args.rules))
    for b in binaries:
        med = [statistics.median(column) for column in zip(*results[b])]
        print(f"{b}: wall {med[0]:.1f} ms, rules read {med[1]:.1f}, compiled {med[2]:.1f}, "
              f"built {med[3]:.1f}, kernel {med[4]:.1f}")
    first = results[binaries[0]]

    def paired(b, measure):
        """The median of b's differences from the first binary, and how often b was lower."""
        d = [measure(x) - measure(y) for x, y in zip(results[b], first)]
        return f"{statistics.median(d):+.2f} ms (lower in {sum(v < 0 for v in d)} of {args.runs})"

    for b in binaries[1:]:
        print(f"{b} - {binaries[0]}: wall {paired(b, lambda x: x[0])}, read+compiled+built "
              f"{paired(b, lambda x: sum(x[1:4]))}")
        for i, stage in enumerate(["read", "compiled", "built"], start=1):
            print(f"    {stage} {paired(b, lambda x, i=i: x[i])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

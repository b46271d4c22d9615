#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What DNS cookies and response rate limiting cost phx-dnsd: CPU per query
under dnsperf at the same offered load, with both off, and with both on for
a client that the rate limiter counts (127.0.0.1 outside the allow list),
sending no cookie, a client cookie alone (a server cookie is made for every
reply) or a valid server cookie (checked, and the rate limit skipped).

Same load, mix and measurement as dns_bench.py (its query file, dnsperf -c 4,
server CPU from /proc/PID/task/*/schedstat), one worker thread, the variants
alternating over several rounds. The rate is set high (10,000 responses/s
per bucket) so that every reply is accounted and none is limited: the
metrics endpoint is read to make sure nothing was dropped. Not a test."""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from dns_bench import SOURCE, ZONE, query_file, run_dnsperf  # noqa: E402
from phxdns import free_port  # noqa: E402  (dns_bench put tests/integration on the path)

CLIENT_COOKIE = "0102030405060708"

# name: (config, dnsperf EDNS option or None for a bare OPT record)
VARIANTS = {
    "off": ("[cookies]\nenabled = false\n[rate_limit]\nresponses_per_second = 0\n", None),
    "on, no cookie": ("", None),
    "on, client cookie": ("", f"10:{CLIENT_COOKIE}"),
    "on, valid cookie": ("", "valid"),
}
LIMITED = '[forward]\nallow = ["192.0.2.0/24"]\n[rate_limit]\nresponses_per_second = 10000\n'


class Dnsd:
    """phx-dnsd with one worker, a metrics endpoint and one variant's config."""

    def __init__(self, build_dir, workdir, name, config):
        self.port = free_port()
        self.metrics_port = free_port()
        path = os.path.join(workdir, re.sub(r"\W+", "_", name) + ".toml")
        with open(path, "w") as f:
            f.write((LIMITED if "enabled = false" not in config else "") + config +
                    f'[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n')
        self.proc = subprocess.Popen([os.path.join(build_dir, "dnsd", "phx-dnsd"), "--config", path, "--listen",
                                      f"127.0.0.1:{self.port}", "--zone", ZONE, "--workers", "1"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        if self.proc.poll() is not None:
            raise RuntimeError(f"phx-dnsd ({name}) did not start")

    def cpu_ns(self):
        total = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            with open(f"/proc/{self.proc.pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        return total

    def metric(self, series):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            text = r.read().decode()
        match = re.search(rf"^{re.escape(series)} (\d+)$", text, re.M)
        return int(match.group(1)) if match else 0

    def valid_cookie(self):
        """A server cookie for 127.0.0.1, from dig's own exchange."""
        out = subprocess.run(["dig", "@127.0.0.1", "-p", str(self.port), f"+cookie={CLIENT_COOKIE}", "+norec",
                              "internal.thinkheads.ai", "SOA"], capture_output=True, text=True, check=True).stdout
        return re.search(r"COOKIE: ([0-9a-f]+)", out).group(1)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build", "release"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--qps", type=int, default=30000)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="phx-edns-cost-")
    queries = os.path.join(workdir, "queries.txt")
    query_file(queries)
    servers, results = {}, {n: [] for n in VARIANTS}
    try:
        for name, (config, _) in VARIANTS.items():
            servers[name] = Dnsd(args.build_dir, workdir, name, config)
        names = list(VARIANTS)
        for r in range(args.rounds):
            for name in names[r % len(names):] + names[:r % len(names)]:
                option = VARIANTS[name][1]
                if option == "valid":
                    option = f"10:{servers[name].valid_cookie()}"  # fresh each round: good for an hour
                extra = ["-E", option] if option else ["-e"]
                results[name].append(run_dnsperf(servers[name], queries, args.seconds, args.qps, extra))
                print(f"round {r + 1}: {name:18} {results[name][-1]['qps']:8.0f} qps  "
                      f"{results[name][-1]['cpu_us']:5.2f} us/query", file=sys.stderr)
        limited = {n: servers[n].metric("phx_dnsd_rrl_dropped_total") + servers[n].metric("phx_dnsd_rrl_slipped_total")
                   for n in names}
        issued = {n: servers[n].metric("phx_dnsd_cookies_issued_total") for n in names}
        valid = {n: servers[n].metric('phx_dnsd_cookies_total{result="valid"}') for n in names}
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    def med(n, key):
        return statistics.median(x[key] for x in results[n])

    base = med("off", "cpu_us")
    print(f"\nCookies and RRL: {args.rounds} rounds x {args.seconds} s at {args.qps} offered qps, 1 worker, "
          f"dnsperf -c 4 with EDNS, {os.cpu_count()} CPUs\n")
    print("| variant | QPS | lost | CPU us/query | vs off | limited | cookies issued | valid cookies |")
    print("|---|---|---|---|---|---|---|---|")
    for n in names:
        print(f"| {n} | {med(n, 'qps'):.0f} | {sum(x['lost'] for x in results[n])} | {med(n, 'cpu_us'):.2f} | "
              f"{med(n, 'cpu_us') - base:+.2f} us ({med(n, 'cpu_us') / base:.2f}x) | {limited[n]} | {issued[n]} | "
              f"{valid[n]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command for the DNS benchmark: installs what is missing (dnsperf, Knot,
# NSD), builds the release preset, runs tests/bench/dns_bench.py.
# Extra arguments go to dns_bench.py (--rounds, --seconds, --qps).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/deps.sh bench
scripts/build.sh release phx-dnsd floor_responder answer_bench
echo "== answer() alone (Google Benchmark)" >&2
build/release/tests/bench/answer_bench --benchmark_min_time=1
echo "== servers under dnsperf" >&2
exec /usr/bin/python3 tests/bench/dns_bench.py "$@"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command for the DNS benchmark: installs what is missing (dnsperf, Knot,
# NSD), builds the release preset, runs tests/bench/dns_bench.py (queries)
# and tests/bench/zone_bench.py (a 1M-record zone loaded by each server).
# Extra arguments go to dns_bench.py (--rounds, --seconds, --qps, --sweep);
# PHX_ZONE_RECORDS sets the zone's size (0: skip it).
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/deps.sh bench
scripts/build.sh release phx-dnsd floor_responder answer_bench guard_bench
echo "== answer() alone (Google Benchmark)" >&2
build/release/tests/bench/answer_bench --benchmark_min_time=1
echo "== answer() with cookies and rate limiting (tests/bench/edns_cost.py: the same on servers)" >&2
build/release/tests/bench/guard_bench --benchmark_min_time=1
echo "== servers under dnsperf" >&2
# A target missed is reported (exit 1) after every part has run.
status=0
/usr/bin/python3 tests/bench/dns_bench.py "$@" || status=$?
records=${PHX_ZONE_RECORDS:-1000000}
if [ "$records" -gt 0 ]; then
    echo "== a zone of $records records: load, check, reload" >&2
    /usr/bin/python3 tests/bench/zone_bench.py --records "$records" || status=$?
fi
exit "$status"

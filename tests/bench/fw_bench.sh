#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# One command for the firewall benchmark: installs what is missing (nft,
# iproute2), builds phx-fw and the floor program of the release preset, and
# runs tests/bench/fw_bench.py as root (it works in network namespaces of
# its own and never touches this namespace's ruleset).
# Arguments go to fw_bench.py (--runs, --sizes, --shapes, --connects, --warm-mib); with
# --build-dir DIR it uses and builds that configured build tree instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    [ "${args[i]}" = "--build-dir" ] && build=${args[i + 1]:-}
done
scripts/deps.sh bench
if [ -n "$build" ]; then
    cmake --build "$build" --target phx-fw fw_batch_floor
else
    scripts/build.sh release phx-fw fw_batch_floor
    args+=(--build-dir build/release)
fi
exec /usr/bin/python3 tests/bench/fw_bench.py "${args[@]}"

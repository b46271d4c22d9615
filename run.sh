#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quick start (1): install what is missing, build in release mode, then bring
# up the spec's whole network in network namespaces: phx-dnsd on 10.0.0.13:53
# with the bundled zone, phx-fw applied from rules/phoenix.toml, every guest
# and a LAN client. It prints what each guest's resolver answers, the
# connectivity matrix (expected against seen) and how to poke at it, and
# stays up until Ctrl-C, then removes everything it created.
#   ./run.sh --host-targets   every host applies its own policy instead
#   ./run.sh --expect workshop_flows   the second example network instead
#                             (rules/examples/workshop.toml; see --help)
#   ./run.sh --down           clean up after a crash
#   ./run.sh --dnsd           just phx-dnsd in the foreground on 127.0.0.1:5353
# Needs root (network namespaces); never touches the root namespace's
# addresses, routes or ruleset.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "--dnsd" ]; then
    scripts/deps.sh run
    scripts/build.sh release phx-dnsd
    echo "phx-dnsd on 127.0.0.1:5353 (Ctrl-C stops it); try: dig @127.0.0.1 -p 5353 +norec traefik.internal.thinkheads.ai" >&2
    exec build/release/dnsd/phx-dnsd --listen 127.0.0.1:5353 --inventory rules/phoenix.toml \
        --zone zones/internal.thinkheads.ai.zone
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: the lab builds network namespaces and needs root; run: sudo ./run.sh" >&2
    exit 1
fi
scripts/deps.sh run
scripts/build.sh release phx-dnsd phx-fw
exec scripts/phoenix_lab.py "$@"

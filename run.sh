#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quick start (1): install what is missing, build in release mode and run
# phx-dnsd in the foreground on 127.0.0.1:5353 with the bundled zone.
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh run
scripts/build.sh release phx-dnsd
cat <<MSG

phx-dnsd serves zones/internal.thinkheads.ai.zone on 127.0.0.1:5353 (Ctrl-C stops it). Try:
    dig @127.0.0.1 -p 5353 +norec traefik.internal.thinkheads.ai
    dig @127.0.0.1 -p 5353 +norec TrAeFiK.InTeRnAl.ThInKhEaDs.Ai +tcp

MSG
exec build/release/dnsd/phx-dnsd --listen 127.0.0.1:5353 --zone zones/internal.thinkheads.ai.zone

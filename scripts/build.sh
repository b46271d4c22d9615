#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Configures a CMake preset once and builds it (ninja only rebuilds what changed).
# usage: scripts/build.sh PRESET [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=$1
shift
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
if [ $# -gt 0 ]; then
    cmake --build --preset "$preset" --target "$@"
else
    cmake --build --preset "$preset"
fi

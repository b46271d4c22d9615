#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quick start (2): install what is missing, then build and run the whole test
# suite twice: the release build (warnings are errors) and the ASan+UBSan
# build. Needs root: the firewall tests create network namespaces.
# PHX_SKIP_SANITIZERS=1 runs the release build only.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$(id -u)" -ne 0 ]; then
    echo "test.sh: the test suite needs root (it builds network namespaces); run: sudo ./test.sh" >&2
    exit 1
fi
scripts/deps.sh test
presets=(release)
[ -n "${PHX_SKIP_SANITIZERS:-}" ] || presets+=(asan-ubsan)
for preset in "${presets[@]}"; do
    echo "== $preset: build" >&2
    scripts/build.sh "$preset"
    echo "== $preset: test" >&2
    ctest --preset "$preset"
done

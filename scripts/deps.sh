#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the Debian 12 packages this project needs, only those missing.
# Idempotent and quick when everything is present: it asks dpkg first and
# calls apt-get only for what is not installed.
#
# usage: scripts/deps.sh [build|run|test|bench|fuzz]...   (default: build)
set -euo pipefail

build_pkgs=(
    g++ cmake ninja-build pkg-config
    libboost1.81-dev   # Asio with as_tuple and a coroutine fix for GCC 12
    libnftnl-dev libmnl-dev
    libtomlplusplus-dev libfmt-dev libcli11-dev doctest-dev
    libknot-dev        # libzscanner, Knot's RFC 1035 zone-file parser
    libsystemd-dev
    libssl-dev         # libcrypto: HMAC for TSIG (RFC 8945), SipHash-2-4 for DNS cookies (RFC 9018)
)
test_pkgs=(
    python3 python3-dnspython
    dnsutils knot-dnsutils        # dig, kdig as real clients
    nsd knot bind9                # peers for the differential test; NSD and Knot as secondaries (dnsd.transfer)
    nftables iproute2 procps      # nft to read back rules; ip netns for the lab
    curl                          # scrapes the metrics endpoint
    systemd                       # systemd-analyze verify for the units
    dpkg-dev help2man             # the .deb: shlibdeps, man pages from --help
    graphviz fonts-dejavu-core    # renders phx-fw graph (docs/policy.svg is laid out in DejaVu Sans)
)
bench_pkgs=(dnsperf time)  # time: GNU time reads peak RSS
fuzz_pkgs=(clang-14 libclang-rt-14-dev)  # the fuzz preset: libFuzzer and the sanitizers' runtimes

wanted=()
[ $# -eq 0 ] && set -- build
for group in "$@"; do
    case "$group" in
        build) wanted+=("${build_pkgs[@]}") ;;
        run)   wanted+=("${build_pkgs[@]}" python3 python3-dnspython dnsutils iproute2 nftables) ;;
        test)  wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
        bench) wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
        fuzz)  wanted+=("${build_pkgs[@]}" "${fuzz_pkgs[@]}") ;;
        *) echo "deps.sh: unknown group '$group' (build, run, test, bench, fuzz)" >&2; exit 2 ;;
    esac
done

missing=()
for pkg in "${wanted[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages: ${missing[*]}; run as root or install them" >&2
    exit 1
fi

# nsd, knot and bind9 are only test peers: keep their packaged services from
# starting (and grabbing port 53) while they are installed.
added_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    added_policy=yes
fi
trap '[ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d' EXIT

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

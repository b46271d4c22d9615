#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Phoenix network, for real, in network namespaces.

Builds the spec's network (hypervisor 10.0.0.13 with bridge vmbr0, every
guest at its spec address on the port Proxmox would give it, veth101i0 for
LXC 101 or tap1001i0 for VM 1001, and a LAN client at 10.0.0.50 behind the
uplink eno1), runs phx-dnsd in the
hypervisor's namespace on 10.0.0.13:53 with the bundled zone (and a second
phx-dnsd with the same zones on the root namespace's 127.0.0.1:5353, so the
zone can be dug from the host too), applies phx-fw
from rules/phoenix.toml, then prints what each guest's resolver answers, the
connectivity matrix (expected against seen), and how to poke at it by hand.
It stays up until Ctrl-C, then removes everything it created. Nothing in the
root namespace (addresses, routes, ruleset) is touched; only the files
/etc/netns/phxlab-*/resolv.conf are written, so that `ip netns exec` gives
each guest 10.0.0.13 as its nameserver, and they go with the lab.

usage: phoenix_lab.py [--host-targets] [--once] [--down] [--loopback-port N]
"""

import argparse
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "lab"))
os.environ.setdefault("PHX_SOURCE_DIR", SOURCE)
os.environ.setdefault("PHX_BUILD_DIR", os.path.join(SOURCE, "build", "release"))

import netns  # noqa: E402
from lab import Lab, stop_process  # noqa: E402
from spec_flows import GUESTS, HYPERVISOR, LAN_CLIENT  # noqa: E402

PREFIX = "phxlab-"
netns.PREFIX = PREFIX  # fixed names, so that --down finds them after a crash
BUILD = os.environ["PHX_BUILD_DIR"]
PHX_FW = os.path.join(BUILD, "fwcompile", "phx-fw")
PHX_DNSD = os.path.join(BUILD, "dnsd", "phx-dnsd")
RULES = os.path.join(SOURCE, "rules", "phoenix.toml")
SERVICE_NAMES = ["nginx", "traefik", "ca", "portainer", "portainer-agent", "granite-embedding", "granite-3b",
                 "ollama", "llamacpp"]
DOMAIN = "internal.thinkheads.ai"
SHORT = {"hypervisor": "hv", "portainer": "portnr", "portainer-agent": "agent", "granite-embedding": "g-embed",
         "granite-3b": "g-3b", "llamacpp": "llama", "lan-client": "lan"}  # column headings


def short(name):
    return SHORT.get(name, name)


ZONE_DIR_PREFIX = "phxlab-zone-"  # also marks the loopback phx-dnsd's command line, for --down


def leftovers():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return [line.split()[0] for line in out.splitlines() if line.startswith(PREFIX)]


def down():
    """Removes whatever a lab left behind: its processes, namespaces and resolv.conf files."""
    for ns in leftovers():
        pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    for entry in os.listdir("/etc/netns") if os.path.isdir("/etc/netns") else []:
        if entry.startswith(PREFIX):
            shutil.rmtree(os.path.join("/etc/netns", entry), ignore_errors=True)
    # The loopback phx-dnsd lives in the root namespace; its zone path marks it.
    subprocess.run(["pkill", "-KILL", "-f", f"phx-dnsd --listen 127.0.0.1:[0-9]+ .*{ZONE_DIR_PREFIX}"], check=False)
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        if entry.startswith(ZONE_DIR_PREFIX):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


def start_loopback_dnsd(port, zones):
    """The same zones on the root namespace's loopback, as unprivileged
    `nobody`: `dig @127.0.0.1 -p 5353` works on the host itself. Only a
    listening socket on 127.0.0.1; no address, route or rule is touched."""
    args = [PHX_DNSD, "--listen", f"127.0.0.1:{port}", "--workers", "1", "--user", "nobody"]
    for zone in zones:
        args += ["--zone", zone]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for _ in range(50):
        probe = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+short", "+time=1", "+tries=1", "+norec",
                                "ns1.internal.thinkheads.ai"], capture_output=True, text=True)
        if probe.stdout.strip() == HYPERVISOR:
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
    reason = proc.communicate()[1].strip().splitlines()
    print(f"phoenix lab: warning: no phx-dnsd on 127.0.0.1:{port} ({reason[-1] if reason else 'no answer'}); "
          f"the lab goes on without it (--loopback-port picks another port)", flush=True)
    return None


def set_resolvers(lab):
    """Every host's resolv.conf, as `ip netns exec` shows it: 10.0.0.13."""
    for ns in lab.ns.values():
        os.makedirs(f"/etc/netns/{ns}", exist_ok=True)
        with open(f"/etc/netns/{ns}/resolv.conf", "w") as f:
            f.write(f"# the Phoenix lab: every guest asks the hypervisor\nnameserver {HYPERVISOR}\n"
                    f"search {DOMAIN}\n")


def apply_firewall(lab, host_targets):
    """phx-fw on the hypervisor (the default), or on every host for itself;
    says which tables are live, as nft lists them ("table inet phx, table
    bridge phx": the hypervisor target also binds guests to their ports)."""
    targets = [(lab.hypervisor, [])]
    if host_targets:
        targets = [(ns, ["--host", address]) for address, ns in lab.ns.items() if address != LAN_CLIENT]
    live = collections.Counter()
    for ns, extra in targets:
        result = netns.exec_in(ns, PHX_FW, "apply", "--rules", RULES, *extra, check=False)
        if result.returncode != 0:
            raise SystemExit(f"phx-fw apply failed in {ns}:\n{result.stdout}{result.stderr}")
        live.update(netns.exec_in(ns, "nft", "list", "tables").stdout.splitlines())
    return ", ".join(table if count == 1 else f"{count} x {table}" for table, count in live.items())


def resolver_table(lab):
    """dig through each guest's own resolver (its resolv.conf), every spec name."""
    hosts = [a for a in lab.ns if a != HYPERVISOR]
    print("\n(a) What each host's resolver (nameserver 10.0.0.13, via its resolv.conf) answers:\n")
    header = f"{'name':<42}" + "".join(f"{short(lab.names[a]):>11}" for a in hosts)
    print(header)
    problems = 0
    for name in SERVICE_NAMES + ["ns1", "nosuch"]:
        fqdn = f"{name}.{DOMAIN}"
        cells = []
        for address in hosts:
            out = netns.exec_in(lab.ns[address], "dig", "+short", "+time=2", "+tries=1", fqdn, check=False).stdout
            answer = out.strip().replace("\n", ",") or "NXDOMAIN"
            expected = {"ns1": "10.0.0.13", "nosuch": "NXDOMAIN"}.get(name, "10.0.0.153")
            problems += answer != expected
            cells.append(answer if answer == expected else f"!{answer}")
        print(f"{fqdn:<42}" + "".join(f"{c:>11}" for c in cells))
    # Reverse names, from the zone phx-fw generated out of the inventory.
    asker = lab.ns[GUESTS["nginx"]]
    reverse = []
    for address in [HYPERVISOR] + list(GUESTS.values()):
        out = netns.exec_in(asker, "dig", "+short", "+time=2", "+tries=1", "-x", address, check=False).stdout.strip()
        expected = f"{lab.names[address]}.{DOMAIN}."
        problems += out != expected
        reverse.append(f"{address} -> {out or 'nothing'}" + ("" if out == expected else "  !"))
    print("\n    dig -x from nginx: " + "\n                       ".join(reverse))
    return problems


def connectivity(lab, seed):
    """Every flow the spec allows and a sample of 300 others, probed for real."""
    results = lab.probe_all(lab.plan(seed))
    order = list(lab.ns)
    cells = {}
    for (src, dst, proto, port, expected), seen in results:
        ok = seen == "ok"
        cell = cells.setdefault((src, dst), {"allowed": 0, "through": 0, "wrong": []})
        cell["allowed"] += expected
        cell["through"] += ok and expected
        if ok != expected:
            cell["wrong"].append(f"{proto}/{port} expected {'accept' if expected else 'drop'}, seen {seen}")
    print("\n(b) Connectivity, expected against seen (rows: from, columns: to). A cell is\n"
          "    flows that got through / flows the spec allows; '-' nothing allowed and nothing\n"
          "    got through; '!' something unexpected (listed below).\n")
    width = max(len(lab.names[a]) for a in order)
    print(" " * (width + 2) + "".join(f"{short(lab.names[a]):>8}" for a in order))
    unexpected = []
    for src in order:
        row = []
        for dst in order:
            c = cells.get((src, dst))
            if src == dst or c is None:
                row.append("")
            elif c["wrong"]:
                row.append("!")
                unexpected += [f"{lab.names[src]} -> {lab.names[dst]}: {w}" for w in c["wrong"]]
            else:
                row.append(f"{c['through']}/{c['allowed']}" if c["allowed"] else "-")
        print(f"{lab.names[src]:>{width}}  " + "".join(f"{r:>8}" for r in row))
    allowed = sum(1 for (p, seen) in results if p[4])
    print(f"\n    {len(results)} probes: {allowed} allowed flows, {len(results) - allowed} others (seed {seed}); "
          f"{len(unexpected)} unexpected")
    for u in unexpected:
        print("    ! " + u)
    return len(unexpected)


def poke_help(lab, loopback_port):
    ns = lab.ns
    on_host = (f"""    dig @127.0.0.1 -p {loopback_port} +norec TrAeFiK.InTeRnAl.ThInKhEaDs.Ai   # from the host itself, +tcp too
""" if loopback_port else "")
    print(f"""
(c) Poke at it by hand (as root, in another shell):
{on_host}    ip netns exec {ns[GUESTS['nginx']]} dig @{HYPERVISOR} traefik.internal.thinkheads.ai
    ip netns exec {ns[GUESTS['traefik']]} dig TrAeFiK.internal.thinkheads.ai      # through its resolv.conf
    ip netns exec {ns[GUESTS['nginx']]} timeout 1 bash -c '</dev/tcp/{GUESTS['traefik']}/80' && echo open   # allowed
    ip netns exec {ns[GUESTS['granite-embedding']]} timeout 1 bash -c '</dev/tcp/{GUESTS['ollama']}/11434' || echo dropped
    ip netns exec {lab.hypervisor} {PHX_FW} list --rules {RULES}
    ip netns exec {lab.hypervisor} {PHX_FW} explain 10.0.0.153 10.0.0.12 tcp 80 --rules {RULES}
    ip netns exec {lab.hypervisor} nft list table inet phx
    ip netns exec {lab.hypervisor} nft list table bridge phx   # which port may send from which address
    ip -n {lab.hypervisor} -br link show master vmbr0   # the ports, named as Proxmox names them
    ip netns list | grep {PREFIX}
""")


def main():
    parser = argparse.ArgumentParser(description="The Phoenix network in network namespaces.")
    parser.add_argument("--host-targets", action="store_true",
                        help="every host applies its own policy (phx-fw apply --host) instead of the hypervisor")
    parser.add_argument("--once", action="store_true", help="print everything, then tear down and exit "
                        "(exit status 1 if anything was unexpected)")
    parser.add_argument("--down", action="store_true", help="remove what a crashed lab left behind, and exit")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100000)
    parser.add_argument("--loopback-port", type=int, default=5353, metavar="N",
                        help="also serve the zones on the root namespace's 127.0.0.1:N (default 5353; 0: don't)")
    args = parser.parse_args()
    netns.require_root()
    if args.down:
        down()
        print("phoenix lab: nothing left behind")
        return 0
    if leftovers():
        raise SystemExit(f"phoenix lab: namespaces {', '.join(leftovers())} exist; is a lab running? "
                         f"If it crashed: {sys.argv[0]} --down")

    # The reverse zone comes from the same inventory phx-fw enforces.
    zone_dir = tempfile.mkdtemp(prefix=ZONE_DIR_PREFIX)
    os.chmod(zone_dir, 0o755)  # the loopback phx-dnsd reads it as nobody on SIGHUP
    reverse_zone = os.path.join(zone_dir, "0.0.10.in-addr.arpa.zone")
    made = subprocess.run([PHX_FW, "zone", "--rules", RULES, "--output", reverse_zone], capture_output=True, text=True)
    if made.returncode != 0:
        raise SystemExit(f"phx-fw zone failed: {made.stderr}")
    lab = Lab(extra_zones=[reverse_zone])

    def on_term(*_):
        raise KeyboardInterrupt  # SIGTERM takes the lab down like Ctrl-C

    signal.signal(signal.SIGTERM, on_term)
    loopback = None
    try:
        print("phoenix lab: building namespaces (hypervisor with vmbr0, 9 guests on their Proxmox ports, "
              "LAN client behind eno1)...", flush=True)
        lab.build()
        set_resolvers(lab)
        lab.start_services()
        tables = apply_firewall(lab, args.host_targets)
        if args.loopback_port:
            loopback = start_loopback_dnsd(args.loopback_port, [f"{SOURCE}/zones/internal.thinkheads.ai.zone",
                                                                reverse_zone])
        print(f"phoenix lab: phx-dnsd on {HYPERVISOR}:53"
              + (f" and on the host's 127.0.0.1:{args.loopback_port}" if loopback else "")
              + f"; phx-fw applied on "
              f"{'every host (--host)' if args.host_targets else 'the hypervisor'} ({tables})", flush=True)
        problems = resolver_table(lab) + connectivity(lab, args.seed)
        poke_help(lab, args.loopback_port if loopback else 0)
        if args.once:
            return 1 if problems else 0
        print("phoenix lab: up. Press Ctrl-C to take it down.", flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nphoenix lab: taking it down...", flush=True)
        stop_process(loopback)
        lab.stop()
        down()
        shutil.rmtree(zone_dir, ignore_errors=True)
        print("phoenix lab: all namespaces, veths and processes removed.", flush=True)


if __name__ == "__main__":
    sys.exit(main())

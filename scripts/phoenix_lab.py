#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Phoenix network, for real, in network namespaces, or any other
network a phx-fw rules file describes.

Builds the network of the rules file (by default the spec's,
rules/phoenix.toml: hypervisor 10.0.0.13 with bridge vmbr0, every guest at
its address on the port Proxmox would give it, veth101i0 for LXC 101 or
tap1001i0 for VM 1001, and a LAN client at 10.0.0.50 behind the uplink
eno1), runs phx-dnsd in the hypervisor's namespace on its address, port 53,
with the zone file and the rules file as its inventory (and a second
phx-dnsd with the same on the root namespace's 127.0.0.1:5353, so the zone
can be dug from the host too), applies phx-fw from the rules file, then
prints what each guest's resolver answers, every host's reverse name
confirmed forward, the connectivity matrix (expected against seen), and how
to poke at it by hand. What is expected comes from a module of hand-written
expectations (--expect: tests/lab/spec_flows.py by default,
tests/lab/workshop_flows.py for rules/examples/workshop.toml), which must
describe the same hosts as the rules file.
It stays up until Ctrl-C, then removes everything it created. Nothing in the
root namespace (addresses, routes, ruleset) is touched; only the files
/etc/netns/phxlab-*/resolv.conf are written, so that `ip netns exec` gives
each guest the hypervisor as its nameserver, and they go with the lab.

usage: phoenix_lab.py [--rules FILE] [--zone FILE] [--expect MODULE] [--host-targets] [--once] [--down]
                      [--loopback-port N]
"""

import argparse
import collections
import importlib
import importlib.util
import ipaddress
import os
import re
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
from lab import Lab, disagreements, stop_process  # noqa: E402

PREFIX = "phxlab-"
netns.PREFIX = PREFIX  # fixed names, so that --down finds them after a crash
BUILD = os.environ["PHX_BUILD_DIR"]
PHX_FW = os.path.join(BUILD, "fwcompile", "phx-fw")
PHX_DNSD = os.path.join(BUILD, "dnsd", "phx-dnsd")
SHORT = {"hypervisor": "hv", "portainer": "portnr", "portainer-agent": "agent", "granite-embedding": "g-embed",
         "granite-3b": "g-3b", "llamacpp": "llama", "lan-client": "lan"}  # column headings


def short(name):
    return SHORT.get(name, name[:8])


def mixed_case(name):
    """"TrAeFiK.InTeRnAl...": DNS names are case-insensitive, and the answer
    keeps the question's case (the 0x20 trick relies on it)."""
    return ".".join("".join(c.upper() if i % 2 == 0 else c for i, c in enumerate(label))
                    for label in name.split("."))


def load_expectations(name):
    """The module of hand-written expectations: a name importable from
    tests/lab ("workshop_flows") or the path of a .py file."""
    if name.endswith(".py") or os.sep in name:
        path = os.path.abspath(name)
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(name)


def dig(ns, *args):
    """dig from namespace `ns`: (status, [the answer section's data]), the
    status "NOERROR", "NXDOMAIN"..., or "no answer" when none came."""
    out = netns.exec_in(ns, "dig", "+time=2", "+tries=1", "+noall", "+comments", "+answer", *args,
                        check=False).stdout
    status = re.search(r"status: (\w+)", out)
    data = [line.split(None, 4)[4] for line in out.splitlines() if line and not line.startswith(";")
            and len(line.split(None, 4)) == 5]
    return (status.group(1) if status else "no answer"), data


def is_address(text):
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


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


def copy_for_loopback(lab):
    """The rules and zone files, copied into a directory of their own that
    `nobody` can read: the loopback phx-dnsd re-reads them as nobody on
    SIGHUP (the source tree may be root's alone), and the directory's name
    marks that phx-dnsd's command line for --down."""
    directory = tempfile.mkdtemp(prefix=ZONE_DIR_PREFIX)
    os.chmod(directory, 0o755)
    copies = []
    for path in (lab.rules, lab.zone):
        copy = os.path.join(directory, os.path.basename(path))  # the zone's origin is its file name
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o644)
        copies.append(copy)
    return directory, copies


def start_loopback_dnsd(port, lab, rules, zone):
    """The same names on the root namespace's loopback, as unprivileged
    `nobody`: `dig @127.0.0.1 -p 5353` works on the host itself. Only a
    listening socket on 127.0.0.1; no address, route or rule is touched."""
    args = [PHX_DNSD, "--listen", f"127.0.0.1:{port}", "--workers", "1", "--user", "nobody", "--inventory", rules,
            "--zone", zone]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    expected = "\n".join(lab.expect.NAMES[lab.expect.PROBE_NAME])
    for _ in range(50):
        probe = subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+short", "+time=1", "+tries=1", "+norec",
                                lab.expect.PROBE_NAME], capture_output=True, text=True)
        if probe.stdout.strip() == expected:
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
    """Every host's resolv.conf, as `ip netns exec` shows it: the hypervisor."""
    for ns in lab.ns.values():
        os.makedirs(f"/etc/netns/{ns}", exist_ok=True)
        with open(f"/etc/netns/{ns}/resolv.conf", "w") as f:
            f.write(f"# the Phoenix lab: every guest asks the hypervisor\nnameserver {lab.hypervisor_address}\n"
                    f"search {lab.expect.ZONE_ORIGIN.rstrip('.')}\n")


def apply_firewall(lab, host_targets):
    """phx-fw on the hypervisor (the default), or on every host for itself;
    says which tables are live, as nft lists them ("table inet phx, table
    bridge phx": the hypervisor target also binds guests to their ports)."""
    targets = [(lab.hypervisor, [])]
    if host_targets:
        targets = [(ns, ["--host", address]) for address, ns in lab.ns.items() if address != lab.lan_client]
    live = collections.Counter()
    for ns, extra in targets:
        result = netns.exec_in(ns, PHX_FW, "apply", "--rules", lab.rules, *extra, check=False)
        if result.returncode != 0:
            raise SystemExit(f"phx-fw apply failed in {ns}:\n{result.stdout}{result.stderr}")
        live.update(netns.exec_in(ns, "nft", "list", "tables").stdout.splitlines())
    return ", ".join(table if count == 1 else f"{count} x {table}" for table, count in live.items())


def resolver_table(lab):
    """dig through each guest's own resolver (its resolv.conf), every name
    of the zone file and one it does not have."""
    expect = lab.expect
    hosts = [a for a in lab.ns if a != lab.hypervisor_address]
    expected = {name: ",".join(addresses) for name, addresses in expect.NAMES.items()}
    expected[expect.NXDOMAIN_NAME] = "NXDOMAIN"
    name_width = max(42, max(len(name) for name in expected) + 1)
    width = max(11, max(len(cell) for cell in expected.values()) + 1, max(len(short(lab.names[a])) for a in hosts) + 1)
    print(f"\n(a) What each host's resolver (nameserver {lab.hypervisor_address}, via its resolv.conf) answers:\n")
    print(f"{'name':<{name_width}}" + "".join(f"{short(lab.names[a]):>{width}}" for a in hosts))
    problems = 0
    for fqdn, want in expected.items():
        cells = []
        for address in hosts:
            out = netns.exec_in(lab.ns[address], "dig", "+short", "+time=2", "+tries=1", fqdn, check=False).stdout
            # An alias answers with its CNAME first: the addresses are what it resolves to.
            answer = ",".join(line for line in out.split() if is_address(line)) or "NXDOMAIN"
            problems += answer != want
            cells.append(answer if answer == want else f"!{answer}")
        print(f"{fqdn.rstrip('.'):<{name_width}}" + "".join(f"{c:>{width}}" for c in cells))
    return problems + reverse_names(lab)


def reverse_names(lab):
    """dig -x for every host of the inventory, the hypervisor too, and the
    name it gives asked back (forward-confirmed reverse DNS); then an
    address no host has, which must be NXDOMAIN. Prints what it checked."""
    expect = lab.expect
    asker_name = expect.DNS_ASKER
    asker = lab.ns[expect.GUESTS[asker_name]]
    lines, problems = [], 0
    width = max(len(address) for address in [host.address for host in lab.inventory.hosts] + [expect.UNUSED_ADDRESS])
    for host in lab.inventory.hosts:
        status, ptr = dig(asker, "-x", host.address)
        want = expect.HOST_NAMES.get(host.address)
        back = dig(asker, ptr[0], "A")[1] if len(ptr) == 1 else []
        ok = status == "NOERROR" and ptr == [want] and back == [host.address]
        problems += not ok
        lines.append(f"{host.address:>{width}} -> {','.join(ptr) or status} -> {','.join(back) or '?'}"
                     + ("" if ok else f"  ! expected {want}"))
    status, ptr = dig(asker, "-x", expect.UNUSED_ADDRESS)
    ok = status == "NXDOMAIN" and not ptr
    problems += not ok
    lines.append(f"{expect.UNUSED_ADDRESS:>{width}} -> {status} (no host has it)" + ("" if ok else "  !"))
    print(f"\n    dig -x from {asker_name}, and each name asked back (forward-confirmed reverse DNS):\n      "
          + "\n      ".join(lines))
    return problems


def connectivity(lab, seed):
    """Every flow the expectations allow and a sample of 300 others, probed for real."""
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
    oracle = "the spec" if lab.expect.NAME == "spec" else f"{lab.expect.__name__}.py"
    print("\n(b) Connectivity, expected against seen (rows: from, columns: to). A cell is\n"
          f"    flows that got through / flows {oracle} allows; '-' nothing allowed and nothing\n"
          "    got through; '!' something unexpected (listed below).\n")
    width = max(len(lab.names[a]) for a in order)
    column = max(8, max(len(short(lab.names[a])) for a in order) + 1)
    print(" " * (width + 2) + "".join(f"{short(lab.names[a]):>{column}}" for a in order))
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
        print(f"{lab.names[src]:>{width}}  " + "".join(f"{r:>{column}}" for r in row))
    allowed = sum(1 for (p, seen) in results if p[4])
    print(f"\n    {len(results)} probes: {allowed} allowed flows, {len(results) - allowed} others (seed {seed}); "
          f"{len(unexpected)} unexpected")
    for u in unexpected:
        print("    ! " + u)
    return len(unexpected)


def poke_help(lab, loopback_port):
    ns, expect, hv = lab.ns, lab.expect, lab.hypervisor_address
    g = expect.GUESTS
    probe = expect.PROBE_NAME.rstrip(".")
    (src, dst, port, _), (dropped_src, dropped_dst, dropped_port) = expect.KEPT_FLOW, expect.DROPPED_FLOW
    on_host = (f"""    dig @127.0.0.1 -p {loopback_port} +norec {mixed_case(probe)}   # from the host itself, +tcp too
""" if loopback_port else "")
    print(f"""
(c) Poke at it by hand (as root, in another shell):
{on_host}    ip netns exec {ns[g[src]]} dig @{hv} {probe}
    ip netns exec {ns[g[dst]]} dig {mixed_case(probe.split('.')[0])}.{probe.split('.', 1)[1]}      # through its resolv.conf
    ip netns exec {ns[g[src]]} dig -x {g[dst]}   # {expect.HOST_NAMES[g[dst]]}
    ip netns exec {ns[g[src]]} timeout 1 bash -c '</dev/tcp/{g[dst]}/{port}' && echo open   # allowed
    ip netns exec {ns[g[dropped_src]]} timeout 1 bash -c '</dev/tcp/{g[dropped_dst]}/{dropped_port}' || echo dropped
    ip netns exec {lab.hypervisor} {PHX_FW} list --rules {lab.rules}
    ip netns exec {lab.hypervisor} {PHX_FW} explain {g[src]} {g[dst]} tcp {port} --rules {lab.rules}
    ip netns exec {lab.hypervisor} nft list table inet phx
    ip netns exec {lab.hypervisor} nft list table bridge phx   # which port may send from which address
    ip -n {lab.hypervisor} -br link show master {lab.inventory.bridge}   # the ports, named as Proxmox names them
    ip netns list | grep {PREFIX}
""")


def main():
    parser = argparse.ArgumentParser(description="The Phoenix network (or another one) in network namespaces.")
    parser.add_argument("--rules", metavar="FILE", help="the phx-fw rules file whose network to build "
                        "(default: the expectations' own, rules/phoenix.toml for the spec)")
    parser.add_argument("--zone", metavar="FILE", help="the zone file phx-dnsd serves with the rules file as "
                        "its inventory (default: the expectations' own, zones/internal.thinkheads.ai.zone)")
    parser.add_argument("--expect", metavar="MODULE", default="spec_flows",
                        help="the hand-written expectations: a module in tests/lab (spec_flows, the default, or "
                        "workshop_flows) or a .py file")
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

    expect = load_expectations(args.expect)
    lab = Lab(expect, rules=args.rules, zone=args.zone)
    differ = disagreements(lab.inventory, expect)
    if differ:
        raise SystemExit(f"phoenix lab: {lab.rules} and the expectations {args.expect} describe different "
                         f"networks (another --expect?):\n  " + "\n  ".join(differ))

    def on_term(*_):
        raise KeyboardInterrupt  # SIGTERM takes the lab down like Ctrl-C

    signal.signal(signal.SIGTERM, on_term)
    loopback, copies_dir = None, None
    try:
        print(f"phoenix lab: {lab.rules} with {lab.zone}, judged by {expect.__name__}; building namespaces "
              f"({lab.names[lab.hypervisor_address]} with {lab.inventory.bridge}, {len(lab.inventory.guests)} "
              f"guests on their Proxmox ports, LAN client behind {expect.UPLINK})...", flush=True)
        lab.build()
        set_resolvers(lab)
        lab.start_services()
        tables = apply_firewall(lab, args.host_targets)
        if args.loopback_port:
            copies_dir, (rules_copy, zone_copy) = copy_for_loopback(lab)
            loopback = start_loopback_dnsd(args.loopback_port, lab, rules_copy, zone_copy)
        print(f"phoenix lab: phx-dnsd on {lab.hypervisor_address}:53"
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
        if copies_dir:
            shutil.rmtree(copies_dir, ignore_errors=True)
        print("phoenix lab: all namespaces, veths and processes removed.", flush=True)


if __name__ == "__main__":
    sys.exit(main())

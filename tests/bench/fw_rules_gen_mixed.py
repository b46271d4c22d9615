#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates a phx-fw rules file shaped the way issue 15 describes a real one.

Unlike fw_rules_gen.py (mostly global host-to-host rows, few denies), this
file is written host by host, the way rules/phoenix.toml is: one block of
about 25 rows per guest, each row in one of the four scope forms

  - global in:  the flow as written (some other guest, a CIDR or a list of
                guests to this guest);
  - global out: what the hypervisor itself sends to this guest;
  - host in:    scope = this guest, direction = in (the destination is the
                guest, so it is left out), from another guest, a CIDR or a list;
  - host out:   scope = this guest, direction = out (the source is the
                guest), to another guest, a partner CIDR or a list;

with the guest named in `scope` by its name, its Proxmox id or its address,
as people write them. Ports are single ports, lists ([80, 443], [22,
"9100-9110"]) and ranges ("30000-30999"); a few rows are icmp or any
protocol. Every row has a comment (the `comment` key), one in five also a
TOML comment after a key, and each block opens with a comment line. Every
100th row is a drop or reject row about the block's guest, in one of the
four scope forms: an accept row after it that shares packets with it must
stay behind it, and the others can only move ahead of it if the compiler
sees that they share none. At 50,000 rows the file is about 8.5 MB (2,000
guests), all of it ASCII.

The last row is the data-path probe, bench-client -> bench-server tcp 5201
(the same hosts and addresses as fw_rules_gen.py, so fw_bench.py's lab works
with both shapes). Seeded and repeatable."""

import argparse
import random
import sys

from fw_rules_gen import CLIENT, HYPERVISOR, NETWORK, PORTS, PROBE_PORT, ROLES, SERVER

ROWS_PER_HOST = 25
DENY_EVERY = 100

# Services anyone runs: where most rows about a guest point.
COMMON = [("tcp", 22), ("tcp", 9100), ("udp", 161), ("tcp", 443)]
PORT_LISTS = [[80, 443], [8080, 8443], [22, "9100-9110"], [5432, 6432], [3000, 9090, 9093],
              [53, 853], [389, 636], ["5900-5999", 3128]]
PARTNERS = ["192.168", "172.20", "172.24", "198.18"]
# What the TOML comments after a key say.
NOTES = ["ticket", "per change request", "see the wiki", "audit 2026: kept", "owner: ops",
         "temporary, review in Q3", "requested by the app team", "approved by security"]


class Inventory:
    """bench-client and bench-server last, as fw_rules_gen.py has them."""

    def __init__(self, count):
        self.guests = []  # (name, id, address, role)
        roles = list(ROLES)
        for i in range(count):
            role = roles[i % len(roles)]
            address = f"10.0.{1 + i // 250}.{2 + i % 250}"
            self.guests.append((f"{role}{i}", 2000 + i, address, role))
        self.guests.append(("bench-client", 1998, CLIENT, "web"))
        self.guests.append(("bench-server", 1999, SERVER, "web"))

    def toml(self):
        out = [f'[hypervisor]\nname = "hypervisor"\naddress = "{HYPERVISOR}"\nnetwork = "{NETWORK}"\n'
               'bridge = "vmbr0"\n']
        for i, (name, vmid, address, role) in enumerate(self.guests):
            kind = "vm" if i % 4 == 0 else "lxc"
            out.append(f'\n[[guest]]  # {role}\nid = {vmid}\nkind = "{kind}"\nname = "{name}"\n'
                       f'address = "{address}"\n')
            if name in PORTS:
                out.append(f'port = "{PORTS[name]}"\n')
        return "".join(out)


def value(v):
    if isinstance(v, list):
        return "[" + ", ".join(value(x) for x in v) + "]"
    return str(v) if isinstance(v, int) else f'"{v}"'


def row(scope, direction, action, comment, note=None, source=None, destination=None, protocol=None, ports=None):
    lines = ["\n[[rule]]", f"scope = {value(scope)}", f'direction = "{direction}"', f'action = "{action}"']
    for key, v in (("source", source), ("destination", destination), ("protocol", protocol), ("ports", ports)):
        if v is not None:
            lines.append(f"{key} = {value(v)}")
    if note:
        lines[-1] += f"  # {note}"
    lines.append(f'comment = "{comment}"')
    return "\n".join(lines) + "\n"


class Block:
    """The rows about one guest."""

    def __init__(self, guest, others, rng):
        self.guest = guest
        self.others = others
        self.rng = rng

    def scope(self):
        name, vmid, address, _ = self.guest
        pick = self.rng.random()
        return name if pick < 0.8 else (vmid if pick < 0.9 else address)

    def peer(self):
        while True:
            other = self.rng.choice(self.others)
            if other is not self.guest:
                return other

    def peers(self):
        """Another guest, a CIDR outside the guest network, or a list of guests."""
        pick = self.rng.random()
        if pick < 0.70:
            return self.peer()[0]
        if pick < 0.85:
            prefix = self.rng.choice([24, 26, 28])
            last = self.rng.randrange(2 ** (prefix - 24)) * 2 ** (32 - prefix)
            return f"{self.rng.choice(PARTNERS)}.{self.rng.randrange(256)}.{last}/{prefix}"
        return sorted({self.peer()[0] for _ in range(self.rng.choice([2, 3]))})

    def service(self):
        """(protocol, ports) of a row: a port, a list, a range, or none."""
        pick = self.rng.random()
        if pick < 0.50:
            return self.rng.choice(ROLES[self.guest[3]] + COMMON)
        if pick < 0.75:
            return "tcp", self.rng.choice(PORT_LISTS)
        if pick < 0.95:
            first = self.rng.randrange(10000, 60000)
            return self.rng.choice(["tcp", "udp"]), f"{first}-{first + self.rng.randrange(10, 1000)}"
        return self.rng.choice(["icmp", "any"]), None

    def accept(self):
        me = self.guest[0]
        protocol, ports = self.service()
        note = self.rng.choice(NOTES) if self.rng.random() < 0.2 else None
        form = self.rng.random()
        if form < 0.25:
            src = self.peers()
            return row("global", "in", "accept", f"{describe(src)} to {me}", note, src, me, protocol, ports)
        if form < 0.40:
            return row("global", "out", "accept", f"hypervisor to {me}", note, None, me, protocol,
                       ports)
        if form < 0.70:
            src = self.peers()
            return row(self.scope(), "in", "accept", f"{me} from {describe(src)}", note, src, None,
                       protocol, ports)
        dst = self.peers()
        return row(self.scope(), "out", "accept", f"{me} to {describe(dst)}", note, None, dst,
                   protocol, ports)

    def deny(self, n):
        """A drop or reject row about this guest, in one of the four forms."""
        me = self.guest[0]
        action = "reject" if n % 3 == 0 else "drop"
        form = n % 4
        if form == 0:
            src = self.peer()[0]
            return row("global", "in", action, f"{src} may not reach {me} over telnet or SMB", "incident",
                       src, me, "tcp", [23, 445, "135-139"])
        if form == 1:
            return row("global", "out", action, f"the hypervisor never polls {me} over SNMP", "incident",
                       None, me, "udp", 161)
        if form == 2:
            prefix = f"{self.rng.choice(PARTNERS)}.{self.rng.randrange(256)}.0/24"
            return row(self.scope(), "in", action, f"{me} refuses {prefix}", "incident", prefix)
        return row(self.scope(), "out", action, f"{me} sends no mail", "incident", None, None, "tcp",
                   [25, 465, 587])


def describe(side):
    return " and ".join(side) if isinstance(side, list) else side


def generate(rows, seed=7):
    """The rules file's text for `rows` rows (the probe row included)."""
    rng = random.Random(seed)
    inventory = Inventory(max(50, rows // ROWS_PER_HOST))
    guests = inventory.guests[:-2]  # the bench hosts only meet in the probe row
    out = [inventory.toml()]
    written = 0
    denies = 0
    for guest in guests:
        block = Block(guest, guests, rng)
        out.append(f"\n# --- {guest[0]} ({guest[1]}, {guest[2]}) " + "-" * 40 + "\n")
        for _ in range(ROWS_PER_HOST):
            if written >= rows - 1:
                break
            if written % DENY_EVERY == DENY_EVERY - 1:
                out.append(block.deny(denies))
                denies += 1
            else:
                out.append(block.accept())
            written += 1
    out.append(row("global", "in", "accept", "the data-path probe", "fw_bench.py connects through it",
                   "bench-client", "bench-server", "tcp", PROBE_PORT))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="number of [[rule]] rows")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sys.stdout.write(generate(args.rows, args.seed))


if __name__ == "__main__":
    main()

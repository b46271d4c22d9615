#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generates a large, realistic phx-fw rules file for the firewall benchmark.

The inventory: a hypervisor at 10.0.0.1 on 10.0.0.0/16 and one guest per 20
rows (at least 50), each with a role that decides which services it offers
(web on tcp 80/443, postgres on tcp 5432, dns on udp 53 and tcp 53, ...).
The rows, in file order (fractions of the total, seeded and repeatable):

  - 83 % service access: one guest to a service port of another, written
    in the three ways the spec writes rows (global in, the client's out
    row, the server's in row);
  - 5 % port ranges (tcp/udp "lo-hi", 10 to 1,000 ports wide);
  - 5 % CIDRs: admin networks (/24 to /28) outside the guest network
    reaching a guest's ssh, https or metrics, or a guest reaching a
    partner network;
  - 4 % lists (two or three sources, two ports);
  - 3 % traffic to or from the hypervisor itself (its input and output);
  - one drop or reject row per 2,500 rows (at least 2), spread evenly:
    "no telnet to X" and "reject a /30 to X", the few deny rows a
    default-drop policy needs;
  - last, the probe row: bench-client -> bench-server tcp 5201, which the
    data-path benchmark connects through; it is the file's last row, so
    no earlier row admits that connection for it.

No row repeats another (each (source, destination, protocol, port) is used
once), so the number of set elements grows with the number of rows."""

import argparse
import random
import sys

HYPERVISOR = "10.0.0.1"
NETWORK = "10.0.0.0/16"
CLIENT = "10.0.250.1"  # bench-client: the data path's connecting guest
SERVER = "10.0.250.2"  # bench-server: listens on PROBE_PORT
PROBE_PORT = 5201
# The bench hosts' bridge ports in fw_bench.py's lab: the bridge table lets
# a guest's address in only from the port the inventory gives it.
PORTS = {"bench-client": "bench-cl0", "bench-server": "bench-sv0"}

ROLES = {  # role -> the (protocol, port) services a guest of that role offers
    "web": [("tcp", 80), ("tcp", 443)],
    "api": [("tcp", 8080), ("tcp", 8443)],
    "pg": [("tcp", 5432)],
    "mysql": [("tcp", 3306)],
    "redis": [("tcp", 6379)],
    "mq": [("tcp", 5672), ("tcp", 15672)],
    "dns": [("udp", 53), ("tcp", 53)],
    "ntp": [("udp", 123)],
    "log": [("udp", 514), ("tcp", 6514)],
    "mon": [("tcp", 9090), ("tcp", 3000)],
    "ldap": [("tcp", 389), ("tcp", 636)],
    "git": [("tcp", 22), ("tcp", 443)],
}
# Every guest runs these, for the monitoring and admin rows.
COMMON = [("tcp", 22), ("tcp", 9100), ("udp", 161)]


class Inventory:
    def __init__(self, count):
        self.guests = []  # (name, address, role)
        roles = list(ROLES)
        for i in range(count):
            role = roles[i % len(roles)]
            address = f"10.0.{1 + i // 250}.{2 + i % 250}"
            self.guests.append((f"{role}-{i:05d}", address, role))
        self.guests.append(("bench-client", CLIENT, "web"))
        self.guests.append(("bench-server", SERVER, "web"))

    def toml(self):
        out = [f'[hypervisor]\nname = "hypervisor"\naddress = "{HYPERVISOR}"\nnetwork = "{NETWORK}"\n'
               'bridge = "vmbr0"\n']
        for i, (name, address, _) in enumerate(self.guests):
            kind = "lxc" if i % 3 else "vm"
            out.append(f'\n[[guest]]\nid = {1000 + i}\nkind = "{kind}"\nname = "{name}"\naddress = "{address}"\n')
            if name in PORTS:
                out.append(f'port = "{PORTS[name]}"\n')
        return "".join(out)


def row(scope, direction, action, comment, source=None, destination=None, protocol=None, ports=None):
    def value(v):
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return str(v) if isinstance(v, int) else f'"{v}"'

    lines = ["\n[[rule]]", f'scope = "{scope}"', f'direction = "{direction}"', f'action = "{action}"']
    for key, v in (("source", source), ("destination", destination), ("protocol", protocol), ("ports", ports)):
        if v is not None:
            lines.append(f"{key} = {value(v)}")
    lines.append(f'comment = "{comment}"')
    return "\n".join(lines) + "\n"


class Rows:
    def __init__(self, inventory, rng):
        self.inv = inventory
        self.rng = rng
        self.used = set()  # (source, destination, protocol, port) already written
        self.guests = inventory.guests[:-2]  # the bench hosts only meet in the probe row

    def fresh(self, make):
        """A row from `make` whose key is new; gives up after a few tries."""
        for _ in range(20):
            key, text = make()
            if key not in self.used:
                self.used.add(key)
                return text
        return None

    def service(self):
        client = self.rng.choice(self.guests)
        server = self.rng.choice(self.guests)
        if client == server:
            return ("same",), None
        protocol, port = self.rng.choice(ROLES[server[2]] + COMMON)
        comment = f"{client[0]} to {server[0]} {protocol}/{port}"
        style = self.rng.random()
        if style < 0.5:
            text = row("global", "in", "accept", comment, client[0], server[0], protocol, port)
        elif style < 0.75:
            text = row(client[0], "out", "accept", comment, None, server[0], protocol, port)
        else:
            text = row(server[0], "in", "accept", comment, client[0], None, protocol, port)
        return (client[1], server[1], protocol, port), text

    def port_range(self):
        client, server = self.rng.sample(self.guests, 2)
        protocol = self.rng.choice(["tcp", "udp"])
        first = self.rng.randrange(10000, 60000)
        ports = f"{first}-{first + self.rng.randrange(10, 1000)}"
        comment = f"{client[0]} to {server[0]} {protocol} {ports}"
        return (client[1], server[1], protocol, ports), row("global", "in", "accept", comment, client[0],
                                                             server[0], protocol, ports)

    def cidr(self):
        guest = self.rng.choice(self.guests)
        prefix = self.rng.choice([24, 26, 28])
        first = self.rng.choice(["192.168", f"172.{self.rng.randrange(16, 32)}"])
        last = self.rng.randrange(2 ** (prefix - 24)) * 2 ** (32 - prefix)
        network = f"{first}.{self.rng.randrange(256)}.{last}/{prefix}"
        if self.rng.random() < 0.6:
            protocol, port = self.rng.choice([("tcp", 22), ("tcp", 443), ("tcp", 9100)])
            comment = f"{network} admins to {guest[0]} {protocol}/{port}"
            return (network, guest[1], protocol, port), row("global", "in", "accept", comment, network,
                                                            guest[0], protocol, port)
        protocol, port = self.rng.choice([("tcp", 443), ("tcp", 25), ("udp", 1194)])
        comment = f"{guest[0]} to partner {network} {protocol}/{port}"
        return (guest[1], network, protocol, port), row(guest[0], "out", "accept", comment, None, network,
                                                        protocol, port)

    def listed(self):
        sources = self.rng.sample(self.guests, self.rng.choice([2, 3]))
        server = self.rng.choice(self.guests)
        if server in sources:
            return ("same",), None
        ports = sorted(self.rng.sample([80, 443, 8080, 8443, 9000, 9443], 2))
        comment = f"{len(sources)} clients to {server[0]} web ports"
        key = (tuple(s[1] for s in sources), server[1], "tcp", tuple(ports))
        return key, row("global", "in", "accept", comment, [s[0] for s in sources], server[0], "tcp", ports)

    def hypervisor(self):
        guest = self.rng.choice(self.guests)
        if self.rng.random() < 0.5:
            protocol, port = self.rng.choice([("tcp", 8006), ("tcp", 22), ("udp", 161)])
            comment = f"{guest[0]} to the hypervisor {protocol}/{port}"
            return (guest[1], HYPERVISOR, protocol, port), row("hypervisor", "in", "accept", comment, guest[0],
                                                               None, protocol, port)
        protocol, port = self.rng.choice(COMMON)
        comment = f"the hypervisor to {guest[0]} {protocol}/{port}"
        return (HYPERVISOR, guest[1], protocol, port), row("global", "out", "accept", comment, None, guest[0],
                                                           protocol, port)

    def deny(self, n):
        guest = self.rng.choice(self.guests)
        if n % 2:
            return row("global", "in", "drop", f"no telnet to {guest[0]}", None, guest[0], "tcp", 23)
        network = f"198.51.100.{self.rng.randrange(64) * 4}/30"
        return row("global", "in", "reject", f"blocked network {network} to {guest[0]}", network, guest[0])


def generate(rows, seed=5):
    """The rules file's text for `rows` rows (the probe row included)."""
    rng = random.Random(seed)
    inventory = Inventory(max(50, rows // 20))
    gen = Rows(inventory, rng)
    denies = max(2, rows // 2500)
    every = rows // (denies + 1)
    kinds = [(0.05, gen.port_range), (0.10, gen.cidr), (0.14, gen.listed), (0.17, gen.hypervisor)]
    out = [inventory.toml()]
    written = 0
    while written < rows - 1:
        if written and written % every == 0 and written // every <= denies:
            out.append(gen.deny(written // every))
            written += 1
            continue
        pick = rng.random()
        make = next((f for limit, f in kinds if pick < limit), gen.service)
        text = gen.fresh(make)
        if text:
            out.append(text)
            written += 1
    out.append(row("global", "in", "accept", "the data-path probe", "bench-client", "bench-server", "tcp",
                   PROBE_PORT))
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int, help="number of [[rule]] rows")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    sys.stdout.write(generate(args.rows, args.seed))


if __name__ == "__main__":
    main()

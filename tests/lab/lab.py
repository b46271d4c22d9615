# SPDX-License-Identifier: GPL-3.0-or-later
"""Any inventory's network in network namespaces: a hypervisor namespace
with the inventory's bridge and the hypervisor's address on it (10.0.0.13/24
for the spec's rules/phoenix.toml), one namespace per guest at its address on
the port Proxmox would give it (veth101i0 for LXC 101, tap1001i0 for VM
1001) with its MAC if the inventory fixes one, and a LAN client behind an
uplink. The topology is read from the rules file itself (tomllib), not from
the hand-written expectations (spec_flows.py, workshop_flows.py), so that
disagreements() can compare the two. It serves TCP and UDP echo on every
port to probe, runs phx-dnsd with the rules file as its inventory on the
hypervisor's port 53, and probes flows in parallel: a reply means the flow
passed, silence means it was dropped."""

import concurrent.futures
import ipaddress
import random
import selectors
import socket
import subprocess
import threading
import time
import tomllib

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

import netns
import spec_flows
from fwtool import PHX_DNSD

ACCEPT_TIMEOUT = 3.0  # generous: an admitted flow answers within milliseconds
DROP_TIMEOUT = 0.4  # a dropped flow shows as silence; this bounds the wait
LAN_NAME = "lan-client"


def stop_process(proc):
    """SIGTERM (phx-dnsd stops gracefully), SIGKILL after 10 s; None is fine."""
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def add_bridge(hv, bridge, cidr):
    """Bridge `bridge` in namespace `hv`, up, with the host's address `cidr` on it."""
    netns.run("ip", "-n", hv, "link", "add", bridge, "type", "bridge")
    netns.run("ip", "-n", hv, "addr", "add", cidr, "dev", bridge)
    netns.run("ip", "-n", hv, "link", "set", bridge, "up")


def plug(hv, bridge, port, ns, cidr, mac=None):
    """A veth from `port` on `bridge` (in `hv`) to eth0 in `ns`, which gets
    `cidr` (and `mac`, if given). Both ends are created in their namespaces,
    never in ours."""
    netns.run("ip", "-n", hv, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
    netns.run("ip", "-n", hv, "link", "set", port, "master", bridge, "up")
    if mac:
        netns.run("ip", "-n", ns, "link", "set", "eth0", "address", mac)
    netns.run("ip", "-n", ns, "addr", "add", cidr, "dev", "eth0")
    netns.run("ip", "-n", ns, "link", "set", "eth0", "up")


def probe_from(ns, dst, proto, port, timeout, source=None):
    """One new connection from namespace `ns` (from address `source` if
    given) to dst: "ok" when the echo came back, else why not."""
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    with netns.socket_in(ns, socket.AF_INET, kind) as s:
        s.settimeout(timeout)
        try:
            if source:
                s.bind((source, 0))
            s.connect((dst, port))
            s.send(b"ping")
            reply = s.recv(64)
        except (socket.timeout, TimeoutError):
            return "timeout"
        except ConnectionRefusedError:
            return "refused"
        except OSError as e:
            return f"error: {e.strerror}"
    return "ok" if reply == b"pong ping" else f"wrong reply {reply!r}"


class Host:
    def __init__(self, name, address, kind, id=None, port=None, mac=None):
        self.name, self.address, self.kind, self.id, self.port, self.mac = name, address, kind, id, port, mac


class Inventory:
    """The hosts of a phx-fw rules file, read with tomllib: what the lab
    builds. Only what a lab needs, and only what this lab can build: one
    bridge (the inventory does not say which guest is on which of several)
    and IPv4 addresses. phx-fw's own loader checks the rest."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        hv = doc["hypervisor"]
        self.hypervisor = Host(hv.get("name", "hypervisor"), hv["address"], "hypervisor")
        networks = hv["network"] if isinstance(hv["network"], list) else [hv["network"]]
        self.network = ipaddress.ip_network(networks[0])
        self.bridges = hv["bridge"] if isinstance(hv["bridge"], list) else [hv["bridge"]]
        if len(self.bridges) != 1:
            raise AssertionError(f"{path}: the lab builds one bridge, the inventory has {self.bridges} "
                                 f"and does not say which guest is on which")
        self.guests = []
        for guest in doc.get("guest", []):
            kind, id = guest["kind"].lower(), guest["id"]
            # Proxmox's name for a guest's first NIC, as POLICY.md says phx-fw assumes.
            port = guest.get("port", f"{'veth' if kind == 'lxc' else 'tap'}{id}i0")
            self.guests.append(Host(guest["name"], guest["address"], kind, id, port, guest.get("mac")))
        for host in self.hosts:
            if ipaddress.ip_address(host.address) not in self.network:
                raise AssertionError(f"{path}: the lab builds IPv4 on {self.network} only; "
                                     f"{host.name} is at {host.address}")

    @property
    def hosts(self):
        return [self.hypervisor] + self.guests

    @property
    def bridge(self):
        return self.bridges[0]


def disagreements(inventory, expect):
    """What the rules file's inventory and the hand-written expectations
    `expect` (spec_flows, workshop_flows) say differently, one line each:
    the lab builds from the first and judges by the second."""
    said = []

    def compare(what, from_rules, by_hand):
        if from_rules == by_hand:
            return
        if isinstance(from_rules, dict):  # name the entries that differ, not the whole tables
            said.append(f"{what}: " + "; ".join(
                f"{key}: {from_rules.get(key, 'none')} in {inventory.path}, {by_hand.get(key, 'none')} in "
                f"{expect.__name__}" for key in sorted(set(from_rules) | set(by_hand))
                if from_rules.get(key) != by_hand.get(key)))
        else:
            said.append(f"{what}: {inventory.path} says {from_rules}, {expect.__name__} says {by_hand}")

    compare("the hypervisor's name", inventory.hypervisor.name, expect.HYPERVISOR_NAME)
    compare("the hypervisor's address", inventory.hypervisor.address, expect.HYPERVISOR)
    compare("the network", inventory.network, expect.NETWORK)
    compare("the bridge", inventory.bridge, expect.BRIDGE)
    compare("the guests and their addresses", {g.name: g.address for g in inventory.guests}, expect.GUESTS)
    compare("the guests' ports", {g.name: g.port for g in inventory.guests}, expect.BRIDGE_PORTS)
    compare("the guests' MACs", {g.name: g.mac.lower() for g in inventory.guests if g.mac}, expect.MACS)
    compare("the hosts named in DNS", sorted(h.address for h in inventory.hosts), sorted(expect.HOST_NAMES))
    taken = {h.address for h in inventory.hosts}
    for what, address in (("the LAN client", expect.LAN_CLIENT), ("the unused address", expect.UNUSED_ADDRESS)):
        if address in taken or ipaddress.ip_address(address) not in inventory.network:
            said.append(f"{what} {address} must be in {inventory.network} and no host's")
    if expect.UPLINK in {g.port for g in inventory.guests}:
        said.append(f"the uplink {expect.UPLINK} is a guest's port")
    return said


class Lab:
    """The network of `rules` (a phx-fw rules file) with phx-dnsd serving
    `zone` and the rules file's inventory, judged by `expect`. The LAN
    client's address and uplink come from `expect`: the inventory has no
    LAN. rules and zone default to those `expect` names."""

    def __init__(self, expect=spec_flows, rules=None, zone=None):
        self.expect = expect
        self.rules = rules or expect.RULES
        self.zone = zone or expect.ZONE
        self.inventory = Inventory(self.rules)
        self.hypervisor_address = self.inventory.hypervisor.address
        self.lan_client = expect.LAN_CLIENT
        self.ns = {}  # address -> namespace
        self.names = {host.address: host.name for host in self.inventory.hosts}
        self.names[self.lan_client] = LAN_NAME
        self.ports = {guest.address: guest.port for guest in self.inventory.guests}  # address -> port on the bridge
        self.ports[self.lan_client] = expect.UPLINK
        self.macs = {guest.address: guest.mac for guest in self.inventory.guests if guest.mac}
        self.dnsd = None
        self.servers = None

    @property
    def hypervisor(self):
        return self.ns[self.hypervisor_address]

    def nodes(self):
        return list(self.ns)

    def address_of(self, name):
        """A host's address by its name (or "lan-client")."""
        return next(address for address, n in self.names.items() if n == name)

    def build(self):
        inventory = self.inventory
        hv = self.ns[self.hypervisor_address] = netns.create("hv")
        netns.exec_in(hv, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                      "net.bridge.bridge-nf-call-ip6tables=1")
        prefix = inventory.network.prefixlen
        add_bridge(hv, inventory.bridge, f"{self.hypervisor_address}/{prefix}")
        for address in [guest.address for guest in inventory.guests] + [self.lan_client]:
            ns = self.ns[address] = netns.create(self.names[address])
            plug(hv, inventory.bridge, self.ports[address], ns, f"{address}/{prefix}", self.macs.get(address))

    def start_services(self):
        hv = self.hypervisor_address
        self.dnsd = subprocess.Popen(
            ["ip", "netns", "exec", self.hypervisor, PHX_DNSD, "--listen", f"{hv}:53", "--inventory", self.rules,
             "--zone", self.zone, "--workers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        endpoints = [(address, proto, port) for address in self.ns for proto in ("tcp", "udp")
                     for port in self.expect.PORTS
                     if not (address == hv and port == 53)]  # phx-dnsd has that one
        self.servers = EchoServers(self.ns, endpoints)
        self.servers.start()
        for _ in range(100):  # up to 10 s for phx-dnsd to bind
            if self.resolve(hv, "tcp", timeout=0.05) == "ok":
                return
            if self.dnsd.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"phx-dnsd did not start: {self.dnsd.stderr.read() if self.dnsd.poll() is not None else ''}")

    def stop(self):
        """Stops everything the lab started and removes its namespaces; safe
        to call after a partial build."""
        try:
            if self.servers:
                self.servers.stop()
            stop_process(self.dnsd)
        finally:
            for ns in self.ns.values():
                netns.delete(ns)

    # --- probes -----------------------------------------------------------

    def query(self, src, name, rdtype, proto="udp", timeout=ACCEPT_TIMEOUT):
        """The reply of phx-dnsd on the hypervisor to a query for `name`
        (type `rdtype`, "A" or "PTR") from `src`'s namespace; raises
        dns.exception.Timeout or OSError when none came."""
        query = dns.message.make_query(name, rdtype)
        hv = self.hypervisor_address
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        with netns.socket_in(self.ns[src], socket.AF_INET, kind) as s:
            if proto == "udp":
                return dns.query.udp(query, hv, timeout=timeout, sock=s)
            s.settimeout(timeout)
            s.connect((hv, 53))
            return dns.query.tcp(query, hv, timeout=timeout, sock=s)

    def resolve(self, src, proto, timeout=ACCEPT_TIMEOUT):
        """A query for the expectations' PROBE_NAME to phx-dnsd from `src`:
        "ok" when it gets the hand-written answer, or why not."""
        try:
            answer = self.query(src, self.expect.PROBE_NAME, "A", proto, timeout)
        except (dns.exception.Timeout, socket.timeout, TimeoutError):
            return "timeout"
        except OSError as e:
            return f"error: {e.strerror}"
        addresses = [rr.address for rrset in answer.answer if rrset.rdtype == dns.rdatatype.A for rr in rrset]
        return "ok" if addresses == self.expect.NAMES[self.expect.PROBE_NAME] else f"wrong answer {addresses}"

    def probe(self, src, dst, proto, port, timeout):
        """One new connection from src to dst: "ok" when the echo came back."""
        if dst == self.hypervisor_address and port == 53:
            return self.resolve(src, proto, timeout)
        return probe_from(self.ns[src], dst, proto, port, timeout)

    def probe_all(self, probes):
        """probes: [(src, dst, proto, port, expect_ok)] -> [(probe, seen)], in parallel."""
        def one(p):
            src, dst, proto, port, expect_ok = p
            return p, self.probe(src, dst, proto, port, ACCEPT_TIMEOUT if expect_ok else DROP_TIMEOUT)

        with concurrent.futures.ThreadPoolExecutor(max_workers=128) as pool:
            return list(pool.map(one, probes))

    def plan(self, seed, drops=300):
        """Every combination the expectations admit, and a sample of the others."""
        admitted, others = [], []
        for src in self.ns:
            for dst in self.ns:
                if src == dst:
                    continue
                for proto in ("tcp", "udp"):
                    for port in self.expect.PORTS:
                        ok = self.expect.admits(src, dst, proto, port)
                        (admitted if ok else others).append((src, dst, proto, port, ok))
        return admitted + random.Random(seed).sample(others, drops)

    def matrix(self, results):
        """Expected against seen, as a source x destination grid plus every
        mismatch spelt out; "" when everything was as expected."""
        wrong = [(p, seen) for p, seen in results if (seen == "ok") != p[4]]
        if not wrong:
            return ""
        names = [self.names[a] for a in self.ns]
        width = max(map(len, names))
        lines = ["mismatches per source (rows) and destination (columns); '.' all as expected:",
                 " " * (width + 1) + " ".join(f"{i:>3}" for i in range(len(names)))]
        for i, src in enumerate(self.ns):
            cells = []
            for dst in self.ns:
                count = sum(1 for p, _ in wrong if p[0] == src and p[1] == dst)
                cells.append(f"{count:>3}" if count else "  .")
            lines.append(f"{self.names[src]:>{width}} " + " ".join(cells) + f"   ({i})")
        for (src, dst, proto, port, expect_ok), seen in wrong:
            lines.append(f"  {self.names[src]} {src} -> {self.names[dst]} {dst} {proto}/{port}: "
                         f"expected {'accept' if expect_ok else 'drop'}, seen {seen}")
        return "\n".join(lines)


class EchoServers:
    """TCP and UDP servers on (address, proto, port), each in the namespace
    `namespaces` maps its address to, answering "pong <data>" to each
    message; one thread serves them all."""

    def __init__(self, namespaces, endpoints):
        self.selector = selectors.DefaultSelector()
        self.stopping = threading.Event()
        self.sockets = []
        for address, proto, port in endpoints:
            kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
            s = netns.socket_in(namespaces[address], socket.AF_INET, kind)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((address, port))
            if proto == "tcp":
                s.listen(256)
            s.setblocking(False)
            self.selector.register(s, selectors.EVENT_READ, proto)
            self.sockets.append(s)
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=5)
        for key in list(self.selector.get_map().values()):
            key.fileobj.close()
        self.selector.close()

    def serve(self):
        while not self.stopping.is_set():
            for key, _ in self.selector.select(timeout=0.1):
                try:
                    keep = self.handle(key.fileobj, key.data)
                except OSError:
                    keep = key.data != "conn"  # a reset connection goes; a listener stays
                if not keep:
                    self.selector.unregister(key.fileobj)
                    key.fileobj.close()

    def handle(self, s, role):
        """Serves one readable socket; False when it is done with."""
        if role == "tcp":
            connection, _ = s.accept()
            connection.setblocking(False)
            self.selector.register(connection, selectors.EVENT_READ, "conn")
        elif role == "udp":
            data, peer = s.recvfrom(512)
            s.sendto(b"pong " + data, peer)
        else:
            data = s.recv(512)
            if not data:
                return False
            s.send(b"pong " + data)
        return True

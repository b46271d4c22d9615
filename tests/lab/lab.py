# SPDX-License-Identifier: GPL-3.0-or-later
"""The spec's network in network namespaces: a hypervisor namespace with
bridge vmbr0 at 10.0.0.13/24, one namespace per guest at its spec address on
the port Proxmox would give it (veth101i0 for LXC 101, tap1001i0 for VM
1001), and a LAN client behind the uplink eno1. It serves TCP and UDP echo
on every port a row names, runs phx-dnsd on 10.0.0.13:53, and probes flows
in parallel: a reply means the flow passed, silence means it was dropped."""

import concurrent.futures
import random
import selectors
import socket
import subprocess
import threading
import time

import dns.exception
import dns.message
import dns.query
import dns.rdatatype

import netns
from fwtool import PHX_DNSD, SOURCE
from spec_flows import BRIDGE_PORTS, GUESTS, HYPERVISOR, LAN_CLIENT, PORTS, UPLINK, spec_admits

DNS_NAME = "traefik.internal.thinkheads.ai"
DNS_ANSWER = "10.0.0.153"  # every service name points at the gateway (spec section 1)
ACCEPT_TIMEOUT = 3.0  # generous: an admitted flow answers within milliseconds
DROP_TIMEOUT = 0.4  # a dropped flow shows as silence; this bounds the wait


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


def plug(hv, bridge, port, ns, cidr):
    """A veth from `port` on `bridge` (in `hv`) to eth0 in `ns`, which gets
    `cidr`. Both ends are created in their namespaces, never in ours."""
    netns.run("ip", "-n", hv, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
    netns.run("ip", "-n", hv, "link", "set", port, "master", bridge, "up")
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


class Lab:
    def __init__(self, extra_zones=()):
        self.extra_zones = list(extra_zones)  # more [ORIGIN=]FILE zones for phx-dnsd
        self.ns = {}  # address -> namespace
        self.names = {HYPERVISOR: "hypervisor", LAN_CLIENT: "lan-client"}
        self.names.update({address: name for name, address in GUESTS.items()})
        self.ports = {GUESTS[name]: port for name, port in BRIDGE_PORTS.items()}  # address -> port on vmbr0
        self.ports[LAN_CLIENT] = UPLINK
        self.dnsd = None
        self.servers = None

    @property
    def hypervisor(self):
        return self.ns[HYPERVISOR]

    def nodes(self):
        return list(self.ns)

    def build(self):
        hv = self.ns[HYPERVISOR] = netns.create("hv")
        netns.exec_in(hv, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1",
                      "net.bridge.bridge-nf-call-ip6tables=1")
        add_bridge(hv, "vmbr0", f"{HYPERVISOR}/24")
        for address in list(GUESTS.values()) + [LAN_CLIENT]:
            ns = self.ns[address] = netns.create(self.names[address])
            plug(hv, "vmbr0", self.ports[address], ns, f"{address}/24")

    def start_services(self):
        self.dnsd = subprocess.Popen(
            ["ip", "netns", "exec", self.hypervisor, PHX_DNSD, "--listen", f"{HYPERVISOR}:53", "--zone",
             f"{SOURCE}/zones/internal.thinkheads.ai.zone", "--workers", "1",
             *[arg for zone in self.extra_zones for arg in ("--zone", zone)]],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        endpoints = [(address, proto, port) for address in self.ns for proto in ("tcp", "udp") for port in PORTS
                     if not (address == HYPERVISOR and port == 53)]  # phx-dnsd has that one
        self.servers = EchoServers(self.ns, endpoints)
        self.servers.start()
        for _ in range(100):  # up to 10 s for phx-dnsd to bind
            if self.resolve(HYPERVISOR, "tcp", timeout=0.05) == "ok":
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

    def resolve(self, src, proto, timeout=ACCEPT_TIMEOUT):
        """A query for DNS_NAME to phx-dnsd from `src`: "ok", or why not."""
        query = dns.message.make_query(DNS_NAME, dns.rdatatype.A)
        kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
        with netns.socket_in(self.ns[src], socket.AF_INET, kind) as s:
            try:
                if proto == "udp":
                    answer = dns.query.udp(query, HYPERVISOR, timeout=timeout, sock=s)
                else:
                    s.settimeout(timeout)
                    s.connect((HYPERVISOR, 53))
                    answer = dns.query.tcp(query, HYPERVISOR, timeout=timeout, sock=s)
            except (dns.exception.Timeout, socket.timeout, TimeoutError):
                return "timeout"
            except OSError as e:
                return f"error: {e.strerror}"
        addresses = [rr.address for rrset in answer.answer for rr in rrset]
        return "ok" if addresses == [DNS_ANSWER] else f"wrong answer {addresses}"

    def probe(self, src, dst, proto, port, timeout):
        """One new connection from src to dst: "ok" when the echo came back."""
        if dst == HYPERVISOR and port == 53:
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
        """Every combination the spec admits, and a sample of the others."""
        admitted, others = [], []
        for src in self.ns:
            for dst in self.ns:
                if src == dst:
                    continue
                for proto in ("tcp", "udp"):
                    for port in PORTS:
                        ok = spec_admits(src, dst, proto, port)
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

# SPDX-License-Identifier: GPL-3.0-or-later
"""UDP batching under load (dnsd/net/udp_pacer.hpp): a lone query is answered
on readability, never held for a window; sustained load switches to timed
drains, the worker measures them against waiting in recvmmsg and keeps the
cheaper (udp_mode_judge.hpp), and every answer is still complete and right,
TCP included."""

import math
import random
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import unittest

from phxdns import LOCALHOST, Dnsd, free_port, parse, raw_query

# Two different addresses, so a reply given to the wrong query would show.
HOSTS = {"ns1": "10.0.0.13", "nginx": "10.0.0.153", "traefik": "10.0.0.153", "ollama": "10.0.0.153"}
WINDOW_US = 2000
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; Python names it only from 3.14


def scrape(port):
    return subprocess.run(["curl", "-sS", f"http://127.0.0.1:{port}/metrics"], capture_output=True, text=True,
                          timeout=10, check=True).stdout


def drains(body):
    """(readable, window) from phx_dnsd_udp_drains_total."""
    def get(trigger):
        m = re.search(rf'^phx_dnsd_udp_drains_total{{trigger="{trigger}"}} (\d+)$', body, re.M)
        assert m, f"no {trigger} drains series in:\n{body}"
        return int(m.group(1))
    return get("readable"), get("window")


def closed_loop(port, queries, in_flight, seed, problems, latencies=None):
    """Like dnsperf: keeps `in_flight` queries outstanding on one socket and
    checks every reply (ID, question case kept, the host's address); adds
    each reply's latency in seconds to `latencies` if given."""
    rng = random.Random(seed)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.connect((LOCALHOST, port))
        expected = {}
        sent = 0

        def send_one():
            nonlocal sent
            host = rng.choice(sorted(HOSTS))
            name = "".join(c.upper() if rng.random() < 0.5 else c for c in f"{host}.internal.thinkheads.ai")
            qid = sent & 0xFFFF
            expected[qid] = (name, HOSTS[host], time.monotonic())
            s.send(raw_query(name, qid=qid))
            sent += 1

        while sent < min(in_flight, queries):
            send_one()
        while expected:
            try:
                data = s.recv(4096)
            except socket.timeout:
                problems.append(f"{len(expected)} queries got no answer")
                return
            qid = struct.unpack("!H", data[:2])[0]
            name, address, sent_at = expected.pop(qid, (None, None, 0))
            if latencies is not None and name is not None:
                latencies.append(time.monotonic() - sent_at)
            reply = parse(data)
            if name is None or reply.question[0].name.to_text() != name + "." or \
                    [r.to_text() for r in reply.answer[0]] != [address]:
                problems.append(f"wrong reply to {name}: {reply}")
            if sent < queries:
                send_one()


def paced_p99_ms(ports, rate=8000, seconds=1.5):
    """Sends `rate` queries a second to each of `ports` for `seconds`, the
    same query to every port at the same moment (so that whatever the
    machine does to one server's queries it does to the others' too), in
    small bursts every millisecond, and returns each port's 99th percentile
    latency in ms, each reply timed by the kernel when it arrived
    (SO_TIMESTAMPNS), not when this process got round to reading it. Every
    reply must come back: a port that lost any query gets an infinite p99.
    (A server kept off the CPU by other work long enough for its socket's
    receive buffer to overflow loses queries; that fails the trial, not,
    as an exception would, the whole test before its other trials.)"""
    names = [f"{h}.internal.thinkheads.ai" for h in sorted(HOSTS)]
    queries = [raw_query(names[i % len(names)], qid=i) for i in range(len(names) * 64)]
    sockets, sent_at, latencies = [], [], []
    try:
        for port in ports:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sockets.append(s)
            s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            s.connect((LOCALHOST, port))
            s.setblocking(False)
            sent_at.append({})
            latencies.append([])

        def read_all():
            for s, waiting, got in zip(sockets, sent_at, latencies):
                while True:
                    try:
                        data, ancillary, _, _ = s.recvmsg(4096, 64)
                    except BlockingIOError:
                        break
                    for level, kind, value in ancillary:
                        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                            sec, nsec = struct.unpack("qq", value[:16])
                            start = waiting.pop(struct.unpack("!H", data[:2])[0], None)
                            if start is not None:
                                got.append((sec * 10**9 + nsec - start) / 1e6)

        start = time.monotonic()
        total = int(rate * seconds)
        burst = 2 * rate // 1000
        sent = 0
        while sent < total:
            due = min(total, int((time.monotonic() - start) * rate))
            # After this process was descheduled, never catch up in one
            # burst: thousands of queries at once would overflow the
            # servers' receive buffers, a loss that is the client's doing.
            if due - sent > burst:
                start += (due - sent - burst) / rate
                due = sent + burst
            while sent < due:
                qid = sent & 0xFFFF
                wire = bytearray(queries[sent % len(queries)])
                wire[0:2] = struct.pack("!H", qid)
                for s, waiting in zip(sockets, sent_at):
                    waiting[qid] = time.time_ns()  # CLOCK_REALTIME, the clock of SO_TIMESTAMPNS
                    s.send(wire)
                sent += 1
            read_all()
            time.sleep(0.001)
        deadline = time.monotonic() + 5
        while any(sent_at) and time.monotonic() < deadline:
            read_all()
            time.sleep(0.001)
    finally:
        for s in sockets:
            s.close()
    return [math.inf if waiting else sorted(got)[len(got) * 99 // 100]
            for got, waiting in zip(latencies, sent_at)]


class UdpBatchingTests(unittest.TestCase):
    def test_lone_queries_are_never_held_for_a_window(self):
        metrics = free_port()
        with Dnsd("--workers", "1", "--udp-batch-window", str(WINDOW_US),
                  "--metrics-listen", f"127.0.0.1:{metrics}") as server:
            before = drains(scrape(metrics))
            for i in range(20):
                reply = server.query("nginx.internal.thinkheads.ai", "A", timeout=2)
                self.assertEqual([r.to_text() for r in reply.answer[0]], ["10.0.0.153"])
                threading.Event().wait(0.01)  # 10 ms apart: far more than a window
            after = drains(scrape(metrics))
            self.assertGreaterEqual(after[0] - before[0], 20)
            self.assertEqual(after[1] - before[1], 0, "a lone query waited for a batch window")

    def run_load(self, window_us=None, queries=2000):
        """Four closed loops of `queries` each and a TCP query beside them,
        every answer checked; the window in microseconds (None: the shipped
        one). Returns the readable and window drains it took and the
        metrics scraped after it."""
        metrics = free_port()
        window = [] if window_us is None else ["--udp-batch-window", str(window_us)]
        with Dnsd("--workers", "1", *window, "--metrics-listen", f"127.0.0.1:{metrics}") as server:
            before = drains(scrape(metrics))
            problems = []
            threads = [threading.Thread(target=closed_loop, args=(server.port, queries, 16, seed, problems))
                       for seed in range(4)]
            for t in threads:
                t.start()
            tcp_reply = server.query("traefik.internal.thinkheads.ai", "A", tcp=True, timeout=5)
            for t in threads:
                t.join()
            body = scrape(metrics)
            after = drains(body)
            self.assertEqual(problems, [])
            self.assertEqual([r.to_text() for r in tcp_reply.answer[0]], ["10.0.0.153"])
            return after[0] - before[0], after[1] - before[1], body

    def test_sustained_load_is_answered_in_timed_batches_and_nothing_is_lost(self):
        readable, window, _ = self.run_load(WINDOW_US)
        self.assertGreater(window, 0, "the load never switched to timed drains")
        # The window aims at about 16 arrivals (udp_pacer.hpp) and ends when
        # one finds fewer than 2, which this bursty Python client causes now
        # and then: about 4 queries per wake-up is what a busy machine sees.
        # After the judge's first epoch (udp_mode_judge.hpp) the worker may
        # wait in recvmmsg instead, where this client's queries come about
        # 1.5 to a wake-up: fewer wake-ups than queries either way.
        self.assertLess(readable + window, 8000, "no fewer wake-ups than queries")

    def test_two_busy_sockets_on_one_worker_each_wait_one_window_not_two(self):
        window_us = 10000  # long beside the time to answer a batch, even under ASan
        second = free_port()
        with Dnsd("--workers", "1", "--udp-batch-window", str(window_us), "--listen", f"{LOCALHOST}:{second}") as server:
            problems, latencies = [], {server.port: [], second: []}
            switch = sys.getswitchinterval()
            sys.setswitchinterval(1e-4)  # the client's threads must not hold each other up for 5 ms
            try:
                threads = [threading.Thread(target=closed_loop, args=(port, 800, 16, port, problems, latencies[port]))
                           for port in latencies]
                for t in threads:
                    t.start()
                for t in threads:
                    t.join()
            finally:
                sys.setswitchinterval(switch)
            self.assertEqual(problems, [])
            # A closed loop sends right after a drain, so its queries wait about
            # one window. If one socket's drain waited for the other's sleep as
            # well, a good part of its queries would wait two. The bound sits
            # between the two, with room for a busy machine's scheduling (the
            # suite runs two tests at a time on two cores: 15.6 ms was seen).
            for port, waits in latencies.items():
                p90 = sorted(waits)[len(waits) * 9 // 10]
                self.assertLess(p90, 1.75 * window_us / 1e6, f"port {port}: p90 latency {p90 * 1000:.1f} ms")

    def test_the_adaptive_window_engages_and_adds_under_a_millisecond_at_p99(self):
        """The shipped window (500 us, adapted to the load: udp_pacer.hpp)
        under sustained paced load: timed drains happen, and the 99th
        percentile latency is within 1 ms of a twin server with no window.

        Made robust for a loaded 2-core machine: latency is taken from the
        kernel's arrival timestamp of each reply (SO_TIMESTAMPNS), so the
        client's own late wake-ups do not count; the twin gets the same
        queries at the same moments, so what the machine adds counts for
        both; the verdict is the median over 5 trials, retried; and ctest
        runs this file alone (RUN_SERIAL)."""
        metrics = free_port()
        window = Dnsd("--workers", "1", "--metrics-listen", f"127.0.0.1:{metrics}")  # the shipped window
        plain = Dnsd("--workers", "1", "--udp-batch-window", "0")
        attempts = []
        with window as batched, plain as unbatched:
            before = drains(scrape(metrics))
            # A scheduler stall of one server's thread longer than 1 % of a
            # trial sets that trial's p99, and on two cores shared with other
            # work such stalls come and go: up to 3 attempts of 5 trials. A
            # window that really adds over 1 ms fails every attempt.
            for _ in range(3):
                trials = [paced_p99_ms([batched.port, unbatched.port]) for _ in range(5)]
                # A trial in which the twin lost queries measures nothing: it
                # counts as failed, never as passed (inf - inf would be nan).
                added = [paced - base if math.isfinite(base) else math.inf for paced, base in trials]
                attempts.append((sorted(added)[2], trials))
                if attempts[-1][0] < 1.0:
                    break
            after = drains(scrape(metrics))
        self.assertGreater(after[1] - before[1], 0, "the load never switched to timed drains")
        self.assertLess(attempts[-1][0], 1.0,
                        f"median p99 ms added by the window, and p99 with and without it per trial: {attempts}")

    def test_under_sustained_load_the_worker_measures_both_modes_and_chooses(self):
        """udp_mode_judge.hpp: a worker with a window and one UDP socket tries
        the window and the direct wait for two epochs each under sustained
        load and keeps the one that costs it less CPU per query; which one
        wins is the machine's, so only that a choice was made is checked,
        and that every answer stayed right through the switches."""
        _, window, body = self.run_load(queries=6000)  # the shipped window
        self.assertGreater(window, 0, "the trial never drained on a window")
        verdicts = {mode: int(n) for mode, n in
                    re.findall(r'^phx_dnsd_udp_mode_verdicts_total{mode="(\w+)"} (\d+)$', body, re.M)}
        self.assertEqual(sorted(verdicts), ["direct", "window"], body)
        self.assertGreaterEqual(sum(verdicts.values()), 1, f"no verdict after 24,000 queries: {verdicts}")

    def test_a_zero_window_never_batches(self):
        readable, window, _ = self.run_load(0)
        self.assertEqual(window, 0)
        self.assertGreater(readable, 0)


if __name__ == "__main__":
    unittest.main()

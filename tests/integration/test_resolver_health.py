# SPDX-License-Identifier: GPL-3.0-or-later
"""One client's slow names must not take the upstream away from everyone.
A scripted upstream answers at once, except names under silent.test, which
it never answers (as a resolver stuck on a dead authoritative server). An
attacker on 127.0.0.2 asks for distinct silent names; the other clients'
SERVFAIL rate is measured with and without it. And one client cannot hold
more than max_outstanding_per_client queries waiting upstream."""

import os
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import dns.exception
import dns.rcode

from fake_upstream import FakeUpstream, ask, metric, reply_with, scrape
from phxdns import MAIN_ZONE, Dnsd, free_port, write_config

VICTIM, ATTACKER = "127.0.0.1", "127.0.0.2"


def upstream_with_silent_names():
    def handler(query, raw, tcp):
        name = query.question[0].name.to_text().lower()
        if name.endswith("silent.test."):
            return None
        return reply_with(query, [f"{name} 60 A 192.0.2.1"])
    return FakeUpstream(handler)


class Server:
    """phx-dnsd forwarding to `upstream` for 127.0.0.0/8, with its metrics endpoint."""

    def __init__(self, upstream, settings=""):
        self.metrics_port = free_port()
        self.config = write_config(f'[forward]\nupstreams = ["{upstream.address}"]\n'
                                   f'allow = ["127.0.0.0/8"]\n{settings}'
                                   f'[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n')
        self.dnsd = Dnsd(config=self.config, zones=(MAIN_ZONE,))

    def __enter__(self):
        self.dnsd.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.dnsd.__exit__(*exc)
        finally:
            os.unlink(self.config)

    def rcode(self, name, source):
        try:
            return dns.rcode.to_text(ask(self.dnsd.port, name, source=source, timeout=5).rcode())
        except dns.exception.Timeout:
            return "timeout"


def paced(server, names, source, rate, pool):
    """Sends `names` at `rate` per second without waiting for answers; returns futures."""
    start = time.monotonic()
    futures = []
    for i, name in enumerate(names):
        time.sleep(max(0.0, start + i / rate - time.monotonic()))
        futures.append(pool.submit(server.rcode, name, source))
    return futures


class UpstreamHealthTests(unittest.TestCase):
    SECONDS = 6
    VICTIM_RATE = 10
    ATTACKER_RATE = 4

    def run_clients(self, server, tag, attack):
        """Victims' rcodes over SECONDS, with the attacker's silent names alongside or not."""
        victims = [f"v{tag}{i}.example.test" for i in range(self.SECONDS * self.VICTIM_RATE)]
        silent = [f"a{tag}{i}.silent.test" for i in range(self.SECONDS * self.ATTACKER_RATE)]
        with ThreadPoolExecutor(64) as pool:
            attacker = []
            if attack:
                t = threading.Thread(target=lambda: attacker.extend(
                    paced(server, silent, ATTACKER, self.ATTACKER_RATE, pool)))
                t.start()
            victim = paced(server, victims, VICTIM, self.VICTIM_RATE, pool)
            if attack:
                t.join()
            return [f.result() for f in victim], [f.result() for f in attacker]

    def test_an_attackers_silent_names_do_not_raise_other_clients_servfail_rate(self):
        with upstream_with_silent_names() as upstream, Server(upstream) as server:
            quiet, _ = self.run_clients(server, "q", attack=False)
            loud, attacker = self.run_clients(server, "l", attack=True)
            # The attacker alone: its silent names in a row do set the upstream
            # aside, yet the only upstream is still tried, and answers others.
            with ThreadPoolExecutor(8) as pool:
                alone = [pool.submit(server.rcode, f"x{i}.silent.test", ATTACKER) for i in range(4)]
                self.assertEqual([f.result() for f in alone], ["SERVFAIL"] * 4)
            backoffs = metric(scrape(server.metrics_port), "phx_dnsd_upstream_backoffs_total")
            after = server.rcode("after.example.test", VICTIM)
        failed = lambda rcodes: sum(r != "NOERROR" for r in rcodes)
        print(f"\nvictims' failures without the attacker: {failed(quiet)}/{len(quiet)}, "
              f"with {self.ATTACKER_RATE} silent names/s from the attacker: {failed(loud)}/{len(loud)} "
              f"(attacker's own: {sum(r == 'SERVFAIL' for r in attacker)}/{len(attacker)} SERVFAIL); "
              f"upstream back-offs: {backoffs}")
        self.assertEqual(failed(quiet), 0)
        self.assertEqual(sum(r == "SERVFAIL" for r in attacker), len(attacker))  # the attack ran
        self.assertLessEqual(failed(loud), failed(quiet) + len(loud) // 50)
        self.assertGreaterEqual(backoffs, 1)
        self.assertEqual(after, "NOERROR")

    def test_one_client_cannot_hold_more_than_its_share_of_waiting_queries(self):
        with upstream_with_silent_names() as upstream, \
                Server(upstream, "max_outstanding_per_client = 4\ntimeout_ms = 1500\n") as server:
            with ThreadPoolExecutor(20) as pool:
                flood = [pool.submit(server.rcode, f"f{i}.silent.test", ATTACKER) for i in range(20)]
                time.sleep(0.5)
                start = time.monotonic()
                self.assertEqual(server.rcode("other.example.test", VICTIM), "NOERROR")
                self.assertEqual(server.rcode("more.silent.test", ATTACKER), "REFUSED")
                self.assertLess(time.monotonic() - start, 0.5)  # turned away at once
                rcodes = [f.result() for f in flood]
            limited = metric(scrape(server.metrics_port), 'phx_dnsd_forward_limited_total{limit="client"}')
        print(f"\n20 silent names at once from one client, 4 allowed: {rcodes.count('SERVFAIL')} "
              f"waited upstream (SERVFAIL), {rcodes.count('REFUSED')} REFUSED; limited: {limited}")
        self.assertEqual(rcodes.count("SERVFAIL"), 4)
        self.assertEqual(rcodes.count("REFUSED"), 16)
        self.assertEqual(limited, 17)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: GPL-3.0-or-later
"""The forwarding cache is bounded in bytes: a scripted upstream answers a
flood of distinct names with ~64 KB replies of 4000 TXT records each (over
TCP, after a truncated UDP reply), which phx-dnsd holds decompressed. With
a budget the process stays small and phx_dnsd_cache_bytes stays within it;
without one (a huge budget) memory grows with the flood, and the bytes the
cache counts match the growth of the resident set (/proc/PID/status)."""

import os
import unittest
from concurrent.futures import ThreadPoolExecutor

import dns.flags

from fake_upstream import FakeUpstream, ask, many_txt_reply, metric, rss_kib, sanitized, scrape
from phxdns import MAIN_ZONE, Dnsd, free_port, write_config

MIB = 1 << 20
RECORDS = 4000  # 16 bytes each on the wire: a 64 KB reply


def flood_upstream():
    return FakeUpstream(lambda query, raw, tcp: many_txt_reply(raw, RECORDS, tcp))


class Flood:
    """phx-dnsd forwarding to `upstream` with the given [forward] settings,
    and its metrics endpoint."""

    def __init__(self, upstream, settings):
        self.metrics_port = free_port()
        self.config = write_config(f'[forward]\nupstreams = ["{upstream.address}"]\n{settings}'
                                   f'[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n')
        self.server = Dnsd(config=self.config, zones=(MAIN_ZONE,))

    def __enter__(self):
        self.server.__enter__()
        return self

    def __exit__(self, *exc):
        try:
            self.server.__exit__(*exc)
        finally:
            os.unlink(self.config)

    def send(self, names, prefix):
        """Asks for `names` distinct names, eight at a time; returns the RSS growth in KiB."""
        before = rss_kib(self.server.proc.pid)

        def one(i):
            return ask(self.server.port, f"{prefix}{i}.flood.test", "TXT", timeout=10)

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(one, range(names)))
        for r in replies:  # each answered (truncated over UDP: the full answer needs TCP)
            self.assert_truncated(r)
        return rss_kib(self.server.proc.pid) - before

    @staticmethod
    def assert_truncated(reply):
        if not reply.flags & dns.flags.TC:
            raise AssertionError(f"expected a truncated answer, got {reply}")

    def metric(self, series):
        return metric(scrape(self.metrics_port), series)


class CacheBudgetTests(unittest.TestCase):
    NAMES = 250

    def test_a_flood_of_large_answers_stays_within_the_byte_budget(self):
        budget = 8 * MIB
        with flood_upstream() as upstream, \
                Flood(upstream, f"cache_bytes = {budget}\ncache_max_message_bytes = {MIB}\n") as bounded:
            grown = bounded.send(self.NAMES, "b")
            used = bounded.metric("phx_dnsd_cache_bytes")
            entries = bounded.metric("phx_dnsd_cache_entries")
            self.assertEqual(upstream.queries["tcp"], self.NAMES)
            asan = sanitized(bounded.server.proc.pid)
        with flood_upstream() as upstream, \
                Flood(upstream, f"cache_bytes = {64 << 30}\ncache_max_message_bytes = {MIB}\n") as unbounded:
            grown_unbounded = unbounded.send(self.NAMES, "u")
            used_unbounded = unbounded.metric("phx_dnsd_cache_bytes")
        print(f"\n{self.NAMES} names x {RECORDS} TXT records: with an 8 MiB budget the cache holds "
              f"{used / MIB:.1f} MiB in {entries} entries and RSS grew {grown / 1024:.1f} MiB; with no "
              f"real budget it holds {used_unbounded / MIB:.1f} MiB and RSS grew "
              f"{grown_unbounded / 1024:.1f} MiB")
        self.assertLessEqual(used, budget)
        self.assertGreater(used, budget // 2)  # the budget is used, not bypassed
        self.assertLess(entries, self.NAMES)
        self.assertGreater(used_unbounded, 10 * budget)
        if asan:  # AddressSanitizer's allocator and shadow memory: RSS says nothing here
            print("under AddressSanitizer: the resident set is not compared")
            return
        self.assertLess(grown, 2 * budget // 1024 + 8 * 1024)
        # The budget counts what is really held: the growth of the resident set.
        self.assertAlmostEqual(grown_unbounded * 1024 / used_unbounded, 1.0, delta=0.25)

    def test_an_answer_over_the_per_message_cap_is_answered_but_not_cached(self):
        with flood_upstream() as upstream, Flood(upstream, "") as server:  # the default cap: 256 KiB
            for _ in range(2):
                r = ask(server.server.port, "big.flood.test", "TXT", tcp=True, timeout=10)
                self.assertEqual(sum(len(rrset) for rrset in r.answer), RECORDS)
            self.assertEqual(upstream.queries["tcp"], 2)  # not from the cache the second time
            self.assertEqual(server.metric("phx_dnsd_cache_too_large_total"), 2)
            self.assertEqual(server.metric("phx_dnsd_cache_bytes"), 0)
            self.assertEqual(server.metric("phx_dnsd_cache_budget_bytes"), 32 * MIB)


if __name__ == "__main__":
    unittest.main()

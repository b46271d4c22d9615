# SPDX-License-Identifier: GPL-3.0-or-later
"""TCP slots per client: one address holding idle connections must not lock
every other client out for the idle timeout. Connections over the client's
share are closed at once (RFC 7766 §6.2.2) and counted; everyone else still
connects and gets answers."""

import os
import socket
import struct
import time
import unittest

import dns.message

from fake_upstream import metric, scrape
from phxdns import LOCALHOST, MAIN_ZONE, Dnsd, free_port, read_framed, write_config


def connect_from(source, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(2)
    s.connect((LOCALHOST, port))
    return s


def still_open(sock):
    """Whether the server keeps this connection: no EOF within a moment."""
    sock.settimeout(0.05)
    try:
        return sock.recv(1) != b""
    except socket.timeout:
        return True
    except ConnectionResetError:
        return False


def answered_over_tcp(source, port):
    with connect_from(source, port) as s:
        q = dns.message.make_query("traefik.internal.thinkheads.ai", "A").to_wire()
        s.sendall(struct.pack("!H", len(q)) + q)
        reply = read_framed(s)
    return reply is not None and "10.0.0.153" in dns.message.from_wire(reply).to_text()


class TcpLimitTests(unittest.TestCase):
    def serve(self, tcp_settings):
        self.metrics_port = free_port()
        self.config = write_config(f"[tcp]\n{tcp_settings}idle_timeout_seconds = 10\n"
                                   f'[metrics]\nlisten = "127.0.0.1:{self.metrics_port}"\n')
        self.addCleanup(os.unlink, self.config)
        return Dnsd(config=self.config, zones=(MAIN_ZONE,))

    def hold(self, source, port, count):
        """Opens `count` idle connections from `source`; returns those the server kept."""
        socks = [connect_from(source, port) for _ in range(count)]
        time.sleep(0.2)
        kept = [s for s in socks if still_open(s)]
        for s in socks:
            if s not in kept:
                s.close()
        self.addCleanup(lambda: [s.close() for s in kept])
        return kept

    def test_one_address_with_300_idle_connections_locks_nobody_out_by_default(self):
        with self.serve("") as server:  # max_connections = 256, max_connections_per_client = 16
            kept = self.hold("127.0.0.2", server.port, 300)
            self.assertTrue(answered_over_tcp("127.0.0.1", server.port))
            self.assertTrue(answered_over_tcp("127.0.0.3", server.port))
            text = scrape(self.metrics_port)
            refused = metric(text, 'phx_dnsd_tcp_refused_total{limit="client"}')
            print(f"\n300 idle connections from one address: {len(kept)} kept, {refused} closed at once; "
                  "other clients still answered over TCP")
            self.assertEqual(len(kept), 16)
            self.assertEqual(refused, 300 - 16)
            # The two connections that were answered are closed by now, but
            # the server may not have seen their FIN yet on a busy machine.
            deadline = time.monotonic() + 2
            while metric(text, "phx_dnsd_tcp_connections") != 16 and time.monotonic() < deadline:
                time.sleep(0.05)
                text = scrape(self.metrics_port)
            self.assertEqual(metric(text, "phx_dnsd_tcp_connections"), 16)

    def test_the_per_client_and_total_limits_are_configurable_and_counted(self):
        with self.serve("max_connections = 8\nmax_connections_per_client = 4\n") as server:
            self.assertEqual(len(self.hold("127.0.0.2", server.port, 10)), 4)
            self.assertEqual(len(self.hold("127.0.0.3", server.port, 10)), 4)
            self.assertFalse(answered_over_tcp("127.0.0.4", server.port))  # all 8 slots taken
            text = scrape(self.metrics_port)
            # 127.0.0.2 went over its share 6 times; 127.0.0.3 then took the
            # last 4 slots, so its other 6 and 127.0.0.4 found none left.
            self.assertEqual(metric(text, 'phx_dnsd_tcp_refused_total{limit="client"}'), 6)
            self.assertEqual(metric(text, 'phx_dnsd_tcp_refused_total{limit="total"}'), 7)


if __name__ == "__main__":
    unittest.main()

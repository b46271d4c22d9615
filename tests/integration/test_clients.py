# SPDX-License-Identifier: GPL-3.0-or-later
"""The acceptance checks with the real clients people use: dig (BIND) and
kdig (Knot), over UDP and TCP, parsed from their text output."""

import re
import subprocess
import unittest

from phxdns import LOCALHOST, SharedServerTest


def run(client, server, *args):
    cmd = [client, f"@{LOCALHOST}", "-p", str(server.port), "+norec", "+time=2", "+retry=1", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed: {out.stdout}{out.stderr}")
    return out.stdout


def status(output):
    return re.search(r"status: (\w+)", output).group(1)


def flags(output):
    return set(re.search(r"[Ff]lags: ([a-z ]*);", output).group(1).split())  # kdig says "Flags"


def section(output, name):
    """The records of a section as (owner, type, data) tuples."""
    match = re.search(rf";; {name} SECTION:\n(.*?)(\n\n|\Z)", output, re.S)
    if not match:
        return []
    rows = []
    for line in match.group(1).splitlines():
        fields = line.split()
        if len(fields) >= 5 and not line.startswith(";"):
            rows.append((fields[0], fields[3], " ".join(fields[4:])))
    return rows


class ClientTests(SharedServerTest):
    def each_client(self):
        for client in ("dig", "kdig"):
            for transport in ([], ["+tcp"]):
                yield client, transport

    def test_traefik_answers_the_gateway_with_aa(self):
        for client, transport in self.each_client():
            out = run(client, self.server, *transport, "traefik.internal.thinkheads.ai")
            with self.subTest(client=client, transport=transport):
                self.assertEqual(status(out), "NOERROR")
                self.assertIn("aa", flags(out))
                self.assertEqual(section(out, "ANSWER"), [("traefik.internal.thinkheads.ai.", "A", "10.0.0.153")])

    def test_mixed_case_question_keeps_its_case(self):
        # dig only: kdig lower-cases the name before it sends the query.
        for client, transport in (("dig", []), ("dig", ["+tcp"])):
            out = run(client, self.server, *transport, "TrAeFiK.InTeRnAl.ThInKhEaDs.Ai")
            with self.subTest(client=client, transport=transport):
                self.assertEqual(section(out, "ANSWER"), [("TrAeFiK.InTeRnAl.ThInKhEaDs.Ai.", "A", "10.0.0.153")])
                self.assertIn(";TrAeFiK.InTeRnAl.ThInKhEaDs.Ai.", out)

    def test_unknown_name_is_nxdomain_with_the_soa(self):
        for client, transport in self.each_client():
            out = run(client, self.server, *transport, "nosuch.internal.thinkheads.ai")
            with self.subTest(client=client, transport=transport):
                self.assertEqual(status(out), "NXDOMAIN")
                self.assertIn("aa", flags(out))
                authority = section(out, "AUTHORITY")
                self.assertEqual([(o, t) for o, t, _ in authority], [("internal.thinkheads.ai.", "SOA")])

    def test_outside_name_is_refused(self):
        for client, transport in self.each_client():
            out = run(client, self.server, *transport, "example.com")
            with self.subTest(client=client, transport=transport):
                self.assertEqual(status(out), "REFUSED")
                self.assertNotIn("aa", flags(out))

    def test_dig_short_lists_every_service_name(self):
        for name in ("nginx", "ca", "portainer", "portainer-agent", "granite-embedding", "granite-3b",
                     "ollama", "llamacpp"):
            self.assertEqual(run("dig", self.server, "+short", f"{name}.internal.thinkheads.ai").strip(),
                             "10.0.0.153")


if __name__ == "__main__":
    unittest.main()

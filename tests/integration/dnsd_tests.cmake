# SPDX-License-Identifier: GPL-3.0-or-later
# phx-dnsd integration tests: the real binary on loopback, queried with
# dnspython, dig and kdig, and compared with NSD, Knot and BIND.
phx_python_test(dnsd.answers integration test_answers.py)
phx_python_test(dnsd.edns integration test_edns.py)
# NSID, cookies (dig, kdig) and response rate limiting under real bursts.
phx_python_test(dnsd.edns_extras integration test_edns_extras.py)
phx_python_test(dnsd.tcp integration test_tcp.py)
phx_python_test(dnsd.malformed integration test_malformed.py)
phx_python_test(dnsd.clients integration test_clients.py)
phx_python_test(dnsd.cli integration test_cli.py)
phx_python_test(dnsd.differential integration test_differential.py)
phx_python_test(dnsd.resolver integration test_resolver.py)
phx_python_test(dnsd.daemon integration test_daemon.py)
# Timing-sensitive (latency bounds on a loaded 2-core machine): run alone.
phx_python_test(dnsd.udp_batching integration test_udp_batching.py RUN_SERIAL TRUE)
# Resolver hardening, each against a scripted upstream (fake_upstream.py):
# scrubbing and TTL caps, the cache's byte budget, upstream health under
# an attacker's silent names (timing-sensitive: run alone), TCP slots.
phx_python_test(dnsd.resolver_scrub integration test_resolver_scrub.py)
phx_python_test(dnsd.resolver_budget integration test_resolver_budget.py)
phx_python_test(dnsd.resolver_health integration test_resolver_health.py RUN_SERIAL TRUE)
phx_python_test(dnsd.tcp_limits integration test_tcp_limits.py)
# Zone transfers: NSD and Knot as secondaries (AXFR, NOTIFY, IXFR, TSIG),
# and dnspython, kdig and dig as transfer clients.
phx_python_test(dnsd.transfer integration test_transfer.py)

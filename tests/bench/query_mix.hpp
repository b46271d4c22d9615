// SPDX-License-Identifier: GPL-3.0-or-later
// The query mix of the DNS benchmarks, as wire messages for in-process
// microbenchmarks: the same proportions dns_bench.py sends with dnsperf.
#pragma once

#include <cstdint>
#include <vector>

namespace phx::bench {

using Message = std::vector<std::uint8_t>;

// 1000 queries for internal.thinkheads.ai, each with an OPT record (1232)
// holding `options` as its rdata: 70 % A hits in random case, 10 % AAAA
// NODATA, 10 % NXDOMAIN, 5 % SOA/NS, 5 % outside the zone.
[[nodiscard]] std::vector<Message> query_mix(const Message& options = {});

// Sets the COOKIE option (code 10) of a message made by query_mix with a
// 24-byte COOKIE as its only option.
void replace_cookie(Message& query, const std::vector<std::uint8_t>& cookie);

} // namespace phx::bench

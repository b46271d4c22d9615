// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers: build query messages byte by byte and decode replies into
// plain values, so tests state expectations as text.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::test {

struct QueryOptions {
    std::uint16_t id = 0x1234;
    std::uint16_t flags = 0; // header flags word (RD, CD, opcode ...)
    int edns_size = -1;      // -1: no OPT record
    std::uint8_t edns_version = 0;
    std::uint16_t edns_flags = 0; // DO and the rest of the OPT TTL's low 16 bits
    std::uint16_t qclass = 1;
    int opt_records = 1; // how many OPT records when edns_size >= 0
};

std::vector<std::uint8_t> make_query(std::string_view name, std::uint16_t type,
                                     const QueryOptions& o = {});

struct Rr {
    std::string owner; // presentation form, case as on the wire
    std::uint16_t type = 0;
    std::uint32_t ttl = 0;
    std::string data; // A/AAAA address, names for NS/CNAME/PTR/MX/SOA, else hex
};

struct Reply {
    bool parsed = false;
    std::uint16_t id = 0;
    std::uint16_t flags = 0;
    unsigned rcode = 0;                            // including the extended bits from OPT
    std::string qname;                             // empty if no question
    std::vector<Rr> answer, authority, additional; // additional excludes OPT
    bool has_opt = false;
    std::uint16_t opt_udp_size = 0;
    std::uint32_t opt_ttl = 0;

    [[nodiscard]] bool flag(std::uint16_t f) const { return (flags & f) != 0; }
};

Reply decode(std::span<const std::uint8_t> message);

} // namespace phx::test

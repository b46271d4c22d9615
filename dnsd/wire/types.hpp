// SPDX-License-Identifier: GPL-3.0-or-later
// DNS protocol constants (RFC 1035, 6891, 8482) as domain types.
#pragma once

#include <cstdint>
#include <string>

namespace phx::dns {

// Any 16-bit value is a valid RrType; the enumerators name the ones we treat
// specially.
enum class RrType : std::uint16_t {
    a = 1,
    ns = 2,
    cname = 5,
    soa = 6,
    ptr = 12,
    hinfo = 13,
    mx = 15,
    txt = 16,
    aaaa = 28,
    srv = 33,
    dname = 39,
    opt = 41,
    ds = 43,
    rrsig = 46,
    nsec = 47,
    nsec3 = 50,
    tsig = 250, // RFC 8945
    ixfr = 251,
    axfr = 252,
    maila = 253,
    mailb = 254,
    any = 255,
};

enum class RrClass : std::uint16_t { in = 1, ch = 3, hs = 4, none = 254, any = 255 };

enum class Opcode : std::uint8_t { query = 0, iquery = 1, status = 2, notify = 4, update = 5 };

// Extended RCODEs (> 15) travel split between the header and the OPT TTL.
enum class Rcode : std::uint16_t {
    noerror = 0,
    formerr = 1,
    servfail = 2,
    nxdomain = 3,
    notimp = 4,
    refused = 5,
    notauth = 9, // RFC 8945: a TSIG error (the TSIG record says which)
    badvers = 16,
};

constexpr std::uint16_t to_u16(RrType t) {
    return static_cast<std::uint16_t>(t);
}
constexpr std::uint16_t to_u16(RrClass c) {
    return static_cast<std::uint16_t>(c);
}
constexpr std::uint16_t to_u16(Rcode r) {
    return static_cast<std::uint16_t>(r);
}

// Header flag bits within the 16-bit flags word (RFC 1035 4.1.1).
namespace flag {
constexpr std::uint16_t qr = 0x8000;
constexpr std::uint16_t aa = 0x0400;
constexpr std::uint16_t tc = 0x0200;
constexpr std::uint16_t rd = 0x0100;
constexpr std::uint16_t ra = 0x0080;
constexpr std::uint16_t ad = 0x0020;
constexpr std::uint16_t cd = 0x0010;
} // namespace flag

constexpr std::size_t kHeaderSize = 12;
constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kMaxLabelLength = 63;
constexpr std::size_t kMinUdpSize = 512; // RFC 1035 4.2.1; also the EDNS floor (RFC 6891 6.2.5)
constexpr std::size_t kMaxMessageSize = 65535; // TCP framing limit
constexpr std::uint16_t kEdnsDoBit = 0x8000;   // in the OPT TTL's low 16 bits

// "A", "AAAA", ... or "TYPE65280" (RFC 3597).
[[nodiscard]] std::string type_name(RrType type);

} // namespace phx::dns

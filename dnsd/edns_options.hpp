// SPDX-License-Identifier: GPL-3.0-or-later
// The EDNS options phx-dnsd acts on, NSID (RFC 5001) and COOKIE (RFC 7873):
// found in a query's OPT rdata with the bounds-checked reader, and written
// into the OPT record of a reply. Other options are skipped, never echoed.
#pragma once

#include "dnsd/wire/writer.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace phx::dns {

namespace edns_option {
constexpr std::uint16_t nsid = 3;    // RFC 5001
constexpr std::uint16_t cookie = 10; // RFC 7873
} // namespace edns_option

constexpr std::size_t kClientCookieSize = 8;     // RFC 7873 §4
constexpr std::size_t kMinServerCookieSize = 8;  // RFC 7873 §4
constexpr std::size_t kMaxServerCookieSize = 32; // RFC 7873 §4
constexpr std::size_t kServerCookieSize = 16;    // the RFC 9018 cookie we make
constexpr std::size_t kOptionHeaderSize = 4;     // code and length
// Ours, not the RFC's: with at most 128 bytes of NSID, a reply with a
// 255-byte question, the NSID and a cookie still fits in 512 bytes.
constexpr std::size_t kMaxNsidSize = 128;

struct EdnsInfo;

// Walks the options of an OPT record whose rdata is message[start, start +
// length) and notes NSID and COOKIE in `edns`. False if the options do not
// exactly fill the rdata (FORMERR, RFC 6891 §6.1.2). A COOKIE of a length
// RFC 7873 §5.2.2 forbids is noted as malformed, not as a framing error: the
// reply is FORMERR, but with our OPT record. Only the first COOKIE counts.
[[nodiscard]] bool scan_edns_options(std::span<const std::uint8_t> message, std::size_t start,
                                     std::size_t length, EdnsInfo& edns) noexcept;

// What a reply's OPT record carries besides its fixed part; empty spans are
// left out.
struct ReplyOptions {
    std::span<const std::uint8_t> nsid;   // our NSID, for a client that asked
    std::span<const std::uint8_t> cookie; // client cookie and server cookie
    [[nodiscard]] std::size_t wire_size() const noexcept {
        return (nsid.empty() ? 0 : kOptionHeaderSize + nsid.size()) +
               (cookie.empty() ? 0 : kOptionHeaderSize + cookie.size());
    }
};

// Writes the options (the OPT rdata, without its length field).
void write_reply_options(wire::WireWriter& w, const ReplyOptions& options) noexcept;

} // namespace phx::dns

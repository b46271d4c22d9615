// SPDX-License-Identifier: GPL-3.0-or-later
// Reading and writing the EDNS options we act on (see edns_options.hpp).
#include "dnsd/edns_options.hpp"

#include "dnsd/query.hpp"
#include "dnsd/wire/reader.hpp"

namespace phx::dns {
namespace {

// RFC 7873 §5.2.2: a client cookie alone, or with a server cookie of 8 to
// 32 bytes; anything else is malformed.
bool cookie_length_ok(std::size_t length) noexcept {
    return length == kClientCookieSize || (length >= kClientCookieSize + kMinServerCookieSize &&
                                           length <= kClientCookieSize + kMaxServerCookieSize);
}

} // namespace

bool scan_edns_options(std::span<const std::uint8_t> message, std::size_t start, std::size_t length,
                       EdnsInfo& edns) noexcept {
    if (start > message.size() || length > message.size() - start) return false;
    wire::WireReader r{message.first(start + length), start};
    bool cookie_seen = false;
    while (r.remaining() > 0) {
        const std::uint16_t code = r.u16();
        const std::uint16_t size = r.u16();
        const std::size_t data_at = r.pos();
        r.skip(size);
        if (!r.ok()) return false;
        if (code == edns_option::nsid) {
            // RFC 5001 §2.1: a request is an empty option; we answer only that.
            edns.nsid_requested = edns.nsid_requested || size == 0;
        } else if (code == edns_option::cookie && !cookie_seen) {
            cookie_seen = true;
            edns.cookie_malformed = !cookie_length_ok(size);
            if (!edns.cookie_malformed) {
                edns.cookie_offset = data_at;
                edns.cookie_length = static_cast<std::uint8_t>(size);
            }
        }
    }
    return r.ok();
}

void write_reply_options(wire::WireWriter& w, const ReplyOptions& options) noexcept {
    if (!options.nsid.empty()) {
        w.u16(edns_option::nsid);
        w.u16(static_cast<std::uint16_t>(options.nsid.size()));
        w.bytes(options.nsid);
    }
    if (!options.cookie.empty()) {
        w.u16(edns_option::cookie);
        w.u16(static_cast<std::uint16_t>(options.cookie.size()));
        w.bytes(options.cookie);
    }
}

} // namespace phx::dns

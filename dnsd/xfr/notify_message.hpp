// SPDX-License-Identifier: GPL-3.0-or-later
// NOTIFY (RFC 1996) as we send it: opcode NOTIFY, AA, the zone's SOA as
// the question and, as a hint, the new SOA in the answer section (§3.7);
// signed when the target has a key. And the check of what comes back.
#pragma once

#include "dnsd/tsig/hmac.hpp"
#include "dnsd/tsig/key.hpp"
#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace phx::dns::xfr {

struct NotifyMessage {
    std::vector<std::uint8_t> bytes;
    std::uint16_t id = 0;
    tsig::Mac mac; // ours, when signed: the reply's MAC covers it
};

// `key` may be null (unsigned). `now` in seconds since 1970.
[[nodiscard]] NotifyMessage make_notify(const Zone& zone, std::uint16_t id, const tsig::Key* key,
                                        std::uint64_t now);

enum class NotifyReply : std::uint8_t {
    acknowledged, // NOERROR, signed if we signed
    refused,      // a real reply saying no (`rcode`), or our TSIG rejected
    not_for_us,   // another ID or question, or a bad signature: keep waiting
};

struct NotifyCheck {
    NotifyReply verdict = NotifyReply::not_for_us;
    Rcode rcode = Rcode::noerror;
    bool tsig_rejected = false; // the secondary did not accept our key or MAC
};

[[nodiscard]] NotifyCheck check_notify_reply(std::span<const std::uint8_t> reply,
                                             const NotifyMessage& sent, const Zone& zone,
                                             const tsig::Key* key, std::uint64_t now);

} // namespace phx::dns::xfr

// SPDX-License-Identifier: GPL-3.0-or-later
// What happens to a zone's SOA serial when its content changes at a reload.
// A secondary (or any cache that compares serials) only fetches a zone
// again when the serial grows (RFC 1982 arithmetic), so a change served
// under the old serial is a change nobody sees. The zone file's serial is
// what is served unless a policy bumps it, as Knot's serial-policy does.
#pragma once

#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace phx::dns {

enum class SerialPolicy : std::uint8_t {
    keep,       // serve the file's serial; a change without a new serial is reported
    increment,  // a changed zone gets the last served serial + 1
    unixtime,   // ... the current time in seconds, or + 1 if that is not greater
    dateserial, // ... YYYYMMDDnn for today, or + 1 if that is not greater
};

[[nodiscard]] std::optional<SerialPolicy> parse_serial_policy(std::string_view text);
[[nodiscard]] std::string_view to_string(SerialPolicy policy);

// RFC 1982: whether serial a is greater than b.
[[nodiscard]] bool serial_greater(std::uint32_t a, std::uint32_t b) noexcept;

// Whether two versions of a zone hold the same records, the SOA serial
// aside (names compared case-insensitively, RRsets in any order).
[[nodiscard]] bool same_content(const Zone& a, const Zone& b);

// The zone with another SOA serial, everything else shared by copy.
[[nodiscard]] std::shared_ptr<const Zone> with_serial(const std::shared_ptr<const Zone>& zone,
                                                      std::uint32_t serial);

// What a reload decided for one zone.
struct SerialDecision {
    std::uint32_t serial = 0; // to serve
    bool changed = false;     // content differs from what was served
    bool stale = false;       // changed, yet served under the serial it had (policy keep)
};

// `loaded` is the zone as read now, `served` what was served before it
// (nullptr at start or for a new zone). `now` is the wall clock.
[[nodiscard]] SerialDecision decide_serial(SerialPolicy policy, const Zone& loaded,
                                           const Zone* served, std::time_t now);

} // namespace phx::dns

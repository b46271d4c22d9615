// SPDX-License-Identifier: GPL-3.0-or-later
// Serial decisions at reload; see serial_policy.hpp.
#include "dnsd/zone/serial_policy.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace phx::dns {
namespace {

// SOA rdata ends with SERIAL REFRESH RETRY EXPIRE MINIMUM, 4 bytes each.
constexpr std::size_t kSerialFromEnd = 20;

bool same_soa_but_serial(std::string_view a, std::string_view b) {
    if (a.size() != b.size() || a.size() < kSerialFromEnd) return false;
    const std::size_t at = a.size() - kSerialFromEnd;
    return a.substr(0, at) == b.substr(0, at) && a.substr(at + 4) == b.substr(at + 4);
}

bool same_rrset(const RrSet& a, const RrSet& b) {
    if (a.type != b.type || a.ttl != b.ttl || a.rdata.size() != b.rdata.size()) return false;
    if (a.type == RrType::soa) return same_soa_but_serial(a.rdata.front(), b.rdata.front());
    // The same file gives the same order: no copies for the common case.
    if (std::equal(a.rdata.begin(), a.rdata.end(), b.rdata.begin())) return true;
    std::vector<std::string_view> left(a.rdata.begin(), a.rdata.end());
    std::vector<std::string_view> right(b.rdata.begin(), b.rdata.end());
    std::sort(left.begin(), left.end());
    std::sort(right.begin(), right.end());
    return left == right;
}

std::uint32_t today_dateserial(std::time_t now) {
    std::tm utc{};
    gmtime_r(&now, &utc);
    const auto date = static_cast<std::uint32_t>((utc.tm_year + 1900) * 10000 +
                                                 (utc.tm_mon + 1) * 100 + utc.tm_mday);
    return date * 100;
}

// The greater of two serials in RFC 1982 terms (a when neither is).
std::uint32_t later(std::uint32_t a, std::uint32_t b) {
    return serial_greater(b, a) ? b : a;
}

} // namespace

std::optional<SerialPolicy> parse_serial_policy(std::string_view text) {
    for (auto p : {SerialPolicy::keep, SerialPolicy::increment, SerialPolicy::unixtime,
                   SerialPolicy::dateserial})
        if (text == to_string(p)) return p;
    return std::nullopt;
}

std::string_view to_string(SerialPolicy policy) {
    switch (policy) {
    case SerialPolicy::keep:
        return "keep";
    case SerialPolicy::increment:
        return "increment";
    case SerialPolicy::unixtime:
        return "unixtime";
    case SerialPolicy::dateserial:
        return "dateserial";
    }
    return "keep";
}

bool serial_greater(std::uint32_t a, std::uint32_t b) noexcept {
    // RFC 1982 §3.2: i1 > i2 when the forward distance is below 2^31.
    return a != b && static_cast<std::uint32_t>(a - b) < 0x80000000u;
}

bool same_content(const Zone& a, const Zone& b) {
    if (&a == &b) return true; // a reload kept the zone: nothing was read again
    if (a.origin() != b.origin() || a.node_count() != b.node_count()) return false;
    bool same = true;
    for_each_difference(a, b, [&](std::string_view, const Node* in_a, const Node* in_b) {
        if (!same) return;
        if (!in_a || !in_b || in_a->rrsets.size() != in_b->rrsets.size()) {
            same = false;
            return;
        }
        for (std::size_t i = 0; i < in_a->rrsets.size(); ++i) // both sorted by type
            if (!same_rrset(in_a->rrsets[i], in_b->rrsets[i])) same = false;
    });
    return same;
}

std::shared_ptr<const Zone> with_serial(const std::shared_ptr<const Zone>& zone,
                                        std::uint32_t serial) {
    return std::make_shared<const Zone>(zone, serial);
}

SerialDecision decide_serial(SerialPolicy policy, const Zone& loaded, const Zone* served,
                             std::time_t now) {
    const std::uint32_t file_serial = loaded.serial();
    std::uint32_t candidate = file_serial;
    if (policy == SerialPolicy::unixtime)
        candidate = later(file_serial, static_cast<std::uint32_t>(now));
    else if (policy == SerialPolicy::dateserial)
        candidate = later(file_serial, today_dateserial(now));
    if (!served) return {policy == SerialPolicy::keep ? file_serial : candidate, false, false};

    const bool changed = !same_content(loaded, *served);
    const std::uint32_t before = served->serial();
    if (policy == SerialPolicy::keep)
        return {file_serial, changed, changed && !serial_greater(file_serial, before)};
    if (!changed) return {later(before, file_serial), false, false};
    return {serial_greater(candidate, before) ? candidate : before + 1, true, false};
}

} // namespace phx::dns

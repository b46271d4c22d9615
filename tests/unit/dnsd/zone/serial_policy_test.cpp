// SPDX-License-Identifier: GPL-3.0-or-later
// Serial policies: what a reload serves when a zone's content changed, or
// did not, under each policy; RFC 1982 comparison; content equality that
// ignores only the serial.
#include "dnsd/zone/loader.hpp"
#include "dnsd/zone/serial_policy.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::dns;

namespace {

std::shared_ptr<const Zone> zone(std::uint32_t serial, const char* records = "www A 192.0.2.1\n") {
    Diagnostics d;
    auto z = load_zone_text(fmt::format("$TTL 300\n@ SOA ns1 hostmaster {} 3600 900 1209600 60\n"
                                        "@ NS ns1\nns1 A 192.0.2.53\n{}",
                                        serial, records),
                            "example.", "test.zone", d);
    REQUIRE_MESSAGE(z, d.to_string());
    return z;
}

// 2026-12-05 12:00:00 UTC
constexpr std::time_t kNow = 1796472000;

} // namespace

TEST_CASE("serial_greater: RFC 1982 sequence space arithmetic") {
    CHECK(serial_greater(2, 1));
    CHECK_FALSE(serial_greater(1, 1));
    CHECK_FALSE(serial_greater(1, 2));
    CHECK(serial_greater(0, 0xffffffffu)); // wraps
    CHECK(serial_greater(5, 0xfffffff0u));
    CHECK_FALSE(serial_greater(0x80000000u, 0)); // undefined distance: not greater
}

TEST_CASE("same_content: only the serial may differ") {
    CHECK(same_content(*zone(1), *zone(2)));
    CHECK_FALSE(same_content(*zone(1), *zone(1, "www A 192.0.2.2\n")));
    CHECK_FALSE(same_content(*zone(1), *zone(1, "www 301 A 192.0.2.1\n")));
    CHECK_FALSE(same_content(*zone(1), *zone(1, "www A 192.0.2.1\nmail A 192.0.2.9\n")));
    CHECK(same_content(*zone(1, "a A 192.0.2.1\na A 192.0.2.2\n"),
                       *zone(1, "a A 192.0.2.2\na A 192.0.2.1\n")));
    // The SOA's other fields are content.
    Diagnostics d;
    auto refresh = load_zone_text("$TTL 300\n@ SOA ns1 hostmaster 1 7200 900 1209600 60\n@ NS ns1\n"
                                  "ns1 A 192.0.2.53\nwww A 192.0.2.1\n",
                                  "example.", "test.zone", d);
    REQUIRE(refresh);
    CHECK_FALSE(same_content(*zone(1), *refresh));
}

TEST_CASE("with_serial: the same zone under another serial") {
    const auto before = zone(7);
    const auto after = with_serial(before, 2026120599);
    CHECK(after->serial() == 2026120599);
    CHECK(before->serial() == 7);
    CHECK(same_content(*before, *after));
    CHECK(after->negative_ttl() == before->negative_ttl());
}

TEST_CASE("decide_serial: at start the file's serial, or the policy's if greater") {
    CHECK(decide_serial(SerialPolicy::keep, *zone(7), nullptr, kNow).serial == 7);
    CHECK(decide_serial(SerialPolicy::increment, *zone(7), nullptr, kNow).serial == 7);
    CHECK(decide_serial(SerialPolicy::unixtime, *zone(7), nullptr, kNow).serial == kNow);
    CHECK(decide_serial(SerialPolicy::dateserial, *zone(7), nullptr, kNow).serial == 2026120500);
    // A file serial ahead of the clock is never taken back.
    CHECK(decide_serial(SerialPolicy::dateserial, *zone(2026121003), nullptr, kNow).serial ==
          2026121003);
}

TEST_CASE("decide_serial: keep reports a change that kept its serial") {
    const auto served = zone(7);
    const auto same = decide_serial(SerialPolicy::keep, *zone(7), served.get(), kNow);
    CHECK(same.serial == 7);
    CHECK_FALSE(same.changed);
    CHECK_FALSE(same.stale);
    const auto stale =
        decide_serial(SerialPolicy::keep, *zone(7, "www A 192.0.2.2\n"), served.get(), kNow);
    CHECK(stale.serial == 7);
    CHECK(stale.changed);
    CHECK(stale.stale);
    const auto bumped =
        decide_serial(SerialPolicy::keep, *zone(8, "www A 192.0.2.2\n"), served.get(), kNow);
    CHECK(bumped.serial == 8);
    CHECK(bumped.changed);
    CHECK_FALSE(bumped.stale);
}

TEST_CASE("decide_serial: the bumping policies grow the serial exactly when content changes") {
    const auto changed = zone(7, "www A 192.0.2.2\n");
    const auto served = with_serial(zone(7), 41); // bumped before
    CHECK(decide_serial(SerialPolicy::increment, *changed, served.get(), kNow).serial == 42);
    CHECK(decide_serial(SerialPolicy::increment, *zone(7), served.get(), kNow).serial == 41);
    CHECK(decide_serial(SerialPolicy::unixtime, *changed, served.get(), kNow).serial == kNow);
    const auto late = with_serial(zone(7), kNow + 5); // ahead of the clock
    CHECK(decide_serial(SerialPolicy::unixtime, *changed, late.get(), kNow).serial == kNow + 6);
    CHECK(decide_serial(SerialPolicy::dateserial, *changed, served.get(), kNow).serial ==
          2026120500);
    const auto today = with_serial(zone(7), 2026120500);
    CHECK(decide_serial(SerialPolicy::dateserial, *changed, today.get(), kNow).serial ==
          2026120501);
    CHECK(decide_serial(SerialPolicy::dateserial, *zone(7), today.get(), kNow).serial ==
          2026120500);
    // A file serial raised by hand past what was served is taken.
    CHECK(decide_serial(SerialPolicy::increment, *zone(100), served.get(), kNow).serial == 100);
    CHECK(
        decide_serial(SerialPolicy::increment, *zone(100, "www A 192.0.2.2\n"), served.get(), kNow)
            .serial == 100);
    // Wrapping past 2^32 stays greater in RFC 1982 terms.
    const auto top = with_serial(zone(7), 0xffffffffu);
    const auto behind = zone(0x80000000u, "www A 192.0.2.2\n"); // not greater than 0xffffffff
    const auto next = decide_serial(SerialPolicy::increment, *behind, top.get(), kNow).serial;
    CHECK(next == 0);
    CHECK(serial_greater(next, 0xffffffffu));
}

TEST_CASE("parse_serial_policy: the four names and nothing else") {
    for (auto p : {SerialPolicy::keep, SerialPolicy::increment, SerialPolicy::unixtime,
                   SerialPolicy::dateserial})
        CHECK(parse_serial_policy(to_string(p)) == p);
    CHECK_FALSE(parse_serial_policy("date"));
    CHECK_FALSE(parse_serial_policy(""));
}

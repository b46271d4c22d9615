// SPDX-License-Identifier: GPL-3.0-or-later
// The wire reader never reads past its span and its errors are sticky.
#include "dnsd/wire/reader.hpp"

#include <array>
#include <doctest/doctest.h>

using phx::dns::wire::WireReader;

TEST_CASE("WireReader: a short read fails and stays failed") {
    const std::array<std::uint8_t, 3> bytes{0x00, 0x2a, 0xff};
    WireReader r{bytes};
    CHECK(r.u16() == 0x2a);
    CHECK(r.u16() == 0);
    CHECK_FALSE(r.ok());
    CHECK(r.u8() == 0); // even though one byte is left
    CHECK(r.remaining() == 0);
}

TEST_CASE("WireReader: reads big-endian integers and byte runs in sequence") {
    const std::array<std::uint8_t, 9> bytes{0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x07, 0x01, 0x02};
    WireReader r{bytes};
    CHECK(r.u16() == 0x1234);
    CHECK(r.u32() == 0xdeadbeef);
    CHECK(r.u8() == 7);
    auto run = r.bytes(2);
    REQUIRE(run.size() == 2);
    CHECK(run[1] == 0x02);
    CHECK(r.ok());
    CHECK(r.remaining() == 0);
}

TEST_CASE("WireReader: a huge length cannot wrap around the bounds check") {
    const std::array<std::uint8_t, 4> bytes{1, 2, 3, 4};
    WireReader r{bytes};
    r.u8();
    CHECK(r.bytes(SIZE_MAX).empty());
    CHECK_FALSE(r.ok());
    WireReader s{bytes};
    s.skip(5);
    CHECK_FALSE(s.ok());
}

TEST_CASE("WireReader: a start offset past the end is an error, not a read") {
    const std::array<std::uint8_t, 2> bytes{1, 2};
    WireReader r{bytes, 3};
    CHECK_FALSE(r.ok());
    CHECK(r.u8() == 0);
}

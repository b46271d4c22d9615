// SPDX-License-Identifier: GPL-3.0-or-later
// The writer compresses names, respects its limit and rewinds cleanly.
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/writer.hpp"

#include <array>
#include <doctest/doctest.h>

using namespace phx::dns::wire;

TEST_CASE("WireWriter: a repeated name becomes a pointer, matching ignores case") {
    std::array<std::uint8_t, 64> out{};
    WireWriter w{out};
    w.u16(0xabcd);
    w.name_uncompressed(Name::from_text("WWW.Example.COM")->wire());
    const std::size_t second = w.pos();
    w.name(Name::from_text("mail.example.com")->wire());
    const std::size_t third = w.pos();
    w.name(Name::from_text("www.example.com")->wire());
    REQUIRE(w.ok());
    // "mail" + pointer to "Example.COM" (offset 2 + 4 = 6)
    CHECK(third - second == 1 + 4 + 2);
    CHECK(out[second + 5] == 0xc0);
    CHECK(out[second + 6] == 6);
    // The whole name again is one pointer to offset 2.
    CHECK(w.pos() - third == 2);
    CHECK(out[third] == 0xc0);
    CHECK(out[third + 1] == 2);
    // Reading it back gives the case of the first occurrence.
    WireReader r{w.written(), third};
    Name n;
    REQUIRE(read_name(r, n));
    CHECK(n.to_text() == "WWW.Example.COM.");
}

TEST_CASE("WireWriter: a name never points into itself while half written") {
    std::array<std::uint8_t, 64> out{};
    WireWriter w{out};
    w.name(Name::from_text("a.a.a")->wire());
    REQUIRE(w.ok());
    CHECK(w.pos() == 7); // written in full, no pointer
    WireReader r{w.written()};
    Name n;
    REQUIRE(read_name(r, n));
    CHECK(n.to_text() == "a.a.a.");
}

TEST_CASE("WireWriter: writes past the limit fail and rewind forgets them") {
    std::array<std::uint8_t, 32> out{};
    WireWriter w{out};
    w.set_limit(10);
    w.u32(1);
    const std::size_t mark = w.pos();
    w.name(Name::from_text("toolong.example")->wire());
    CHECK_FALSE(w.ok());
    w.rewind(mark);
    CHECK(w.ok());
    CHECK(w.pos() == 4);
    w.set_limit(32);
    w.name(Name::from_text("x.example")->wire());
    CHECK(w.ok());
    // The failed name was forgotten: no pointer into its unwritten bytes.
    WireReader r{w.written(), 4};
    Name n;
    REQUIRE(read_name(r, n));
    CHECK(n.to_text() == "x.example.");
}

TEST_CASE("WireWriter: put_u16_at patches only written bytes") {
    std::array<std::uint8_t, 8> out{};
    WireWriter w{out};
    w.u16(0);
    w.put_u16_at(0, 0x1234);
    w.put_u16_at(1, 0xffff); // would reach past pos: ignored
    CHECK(out[0] == 0x12);
    CHECK(out[1] == 0x34);
    CHECK(out[2] == 0);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Name parsing from text and from (compressed) wire data.
#include "dnsd/wire/name.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace phx::dns::wire;

namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
    std::vector<std::uint8_t> v;
    for (int b : list) v.push_back(static_cast<std::uint8_t>(b));
    return v;
}

} // namespace

TEST_CASE("Name::from_text: presentation form with escapes round-trips") {
    auto n = Name::from_text("Www.Example.");
    REQUIRE(n);
    CHECK(n->size() == 13);
    CHECK(n->label_count() == 2);
    CHECK(n->to_text() == "Www.Example.");
    CHECK(Name::from_text("a\\.b.c")->label_count() == 2);
    CHECK(Name::from_text("a\\.b.c")->to_text() == "a\\.b.c.");
    CHECK(Name::from_text("\\065b")->to_text() == "Ab.");
    CHECK(Name::from_text(".")->is_root());
    CHECK(Name::from_text("sp\\032ace")->to_text() == "sp\\032ace.");
}

TEST_CASE("Name::from_text: rejects empty labels, long labels and long names") {
    CHECK_FALSE(Name::from_text("a..b"));
    CHECK_FALSE(Name::from_text(std::string(64, 'x') + ".com"));
    CHECK(Name::from_text(std::string(63, 'x') + ".com"));
    std::string long_name;
    for (int i = 0; i < 64; ++i) long_name += "abc."; // 256 bytes of wire form
    CHECK_FALSE(Name::from_text(long_name));
    CHECK_FALSE(Name::from_text("bad\\99"));
    CHECK_FALSE(Name::from_text("bad\\300x"));
}

TEST_CASE("Name::to_lower folds ASCII only") {
    auto n = Name::from_text("MiXeD.\\200Ab.");
    REQUIRE(n);
    n->to_lower();
    CHECK(n->to_text() == "mixed.\\200ab.");
}

TEST_CASE("read_name: follows a backward compression pointer") {
    // "example." at offset 0, then "www" + pointer to 0 at offset 9.
    auto msg = bytes({7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 3, 'w', 'w', 'w', 0xc0, 0, 0xaa});
    WireReader r{msg, 9};
    Name n;
    REQUIRE(read_name(r, n));
    CHECK(n.to_text() == "www.example.");
    CHECK(r.pos() == 15); // continues after the pointer, not after the target
}

TEST_CASE("read_name: rejects loops, forward pointers, reserved labels and truncation") {
    Name n;
    auto self = bytes({0xc0, 0});
    WireReader r1{self};
    CHECK_FALSE(read_name(r1, n));
    CHECK_FALSE(r1.ok());

    auto forward = bytes({0xc0, 2, 1, 'a', 0});
    WireReader r2{forward};
    CHECK_FALSE(read_name(r2, n));

    auto loop = bytes({1, 'a', 0xc0, 4, 1, 'b', 0xc0, 0}); // b -> a -> (ptr 4) -> b ...
    WireReader r3{loop, 4};
    CHECK_FALSE(read_name(r3, n));

    auto reserved = bytes({0x41, 'a', 0});
    WireReader r4{reserved};
    CHECK_FALSE(read_name(r4, n));

    auto cut = bytes({5, 'a', 'b'});
    WireReader r5{cut};
    CHECK_FALSE(read_name(r5, n));

    auto half_pointer = bytes({0xc0});
    WireReader r6{half_pointer};
    CHECK_FALSE(read_name(r6, n));
}

TEST_CASE("read_name: a name longer than 255 bytes through pointers is rejected") {
    // 5 labels of 63 bytes chained by pointers: 320 bytes uncompressed.
    std::vector<std::uint8_t> msg;
    std::size_t previous = 0;
    for (int i = 0; i < 5; ++i) {
        const std::size_t start = msg.size();
        msg.push_back(63);
        msg.insert(msg.end(), 63, 'x');
        if (i == 0)
            msg.push_back(0);
        else {
            msg.push_back(static_cast<std::uint8_t>(0xc0 | (previous >> 8)));
            msg.push_back(static_cast<std::uint8_t>(previous));
        }
        previous = start;
    }
    WireReader r{msg, previous};
    Name n;
    CHECK_FALSE(read_name(r, n));
}

TEST_CASE("is_subdomain and parent_of work on label boundaries") {
    auto child = *Name::from_text("www.example.com");
    auto parent = *Name::from_text("example.com");
    auto other = *Name::from_text("ample.com");
    CHECK(is_subdomain(child.view(), parent.view()));
    CHECK(is_subdomain(parent.view(), parent.view()));
    CHECK_FALSE(is_subdomain(child.view(), other.view()));
    CHECK(is_subdomain(child.view(), Name{}.view()));
    CHECK(parent_of(child.view()) == parent.view());
    CHECK(parent_of(Name{}.view()) == Name{}.view());
}

// SPDX-License-Identifier: GPL-3.0-or-later
// PlaceVector: std::vector's behaviour where phx-fw uses it, and elements a
// caller constructs in place, on two threads, that the vector then owns.
#include "common/place_vector.hpp"
#include "unit/common/resident_pages.hpp"

#include <atomic>
#include <cstdint>
#include <doctest/doctest.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

using namespace phx;

namespace {

// Counts the live objects, so a test sees every element destroyed once.
std::atomic<int> live{0};

struct Counted {
    std::string text = "made";
    Counted() { ++live; }
    explicit Counted(std::string t) : text(std::move(t)) { ++live; }
    Counted(const Counted& other) : text(other.text) { ++live; }
    Counted(Counted&& other) noexcept : text(std::move(other.text)) { ++live; }
    Counted& operator=(const Counted&) = default;
    Counted& operator=(Counted&&) = default;
    ~Counted() { --live; }
};

// Its copies throw once `copies_left` runs out; it has no noexcept move, so
// a growing vector copies it.
int copies_left = 0;
struct Fragile {
    int value = 0;
    explicit Fragile(int v) : value(v) {}
    Fragile(const Fragile& other) : value(other.value) {
        if (copies_left-- == 0) throw std::runtime_error("copy refused");
    }
    Fragile& operator=(const Fragile&) = default;
};

} // namespace

TEST_CASE("place_vector: elements added one by one keep their values as it grows") {
    {
        PlaceVector<Counted> v;
        for (int i = 0; i < 1000; ++i) v.emplace_back(std::to_string(i));
        REQUIRE(v.size() == 1000);
        CHECK(live == 1000);
        for (int i = 0; i < 1000; ++i)
            CHECK(v[static_cast<std::size_t>(i)].text == std::to_string(i));
        CHECK(v.front().text == "0");
        CHECK(v.back().text == "999");

        PlaceVector<Counted> copy = v;
        CHECK(copy.size() == 1000);
        CHECK(copy[500].text == "500");
        CHECK(live == 2000);
        PlaceVector<Counted> moved = std::move(copy);
        CHECK(moved[999].text == "999");
        CHECK(copy.empty());
        CHECK(live == 2000);
        moved = v; // copy assignment: the old elements go
        CHECK(live == 2000);
    }
    CHECK(live == 0);
}

TEST_CASE("place_vector: elements constructed in place on two threads belong to it") {
    {
        PlaceVector<Counted> v;
        v.emplace_back("first");
        constexpr std::size_t n = 100'000;
        v.reserve(1 + n);
        Counted* const out = v.grow_unconstructed(n);
        REQUIRE(v.size() == 1 + n);
        CHECK(out == v.data() + 1);
        CHECK(live == 1); // nothing made yet
        std::thread back([out] {
            for (std::size_t i = n / 2; i < n; ++i)
                std::construct_at(out + i, "back " + std::to_string(i));
        });
        for (std::size_t i = 0; i < n / 2; ++i)
            std::construct_at(out + i, "front " + std::to_string(i));
        back.join();
        CHECK(live == 1 + static_cast<int>(n));
        CHECK(v[0].text == "first");
        CHECK(v[1].text == "front 0");
        CHECK(v[n / 2].text == "front 49999");
        CHECK(v[n].text == "back 99999");
        v.emplace_back("after"); // grows once more: everything moves along
        CHECK(v[n + 1].text == "after");
        CHECK(v[n / 2 + 1].text == "back 50000");
    }
    CHECK(live == 0);
}

TEST_CASE("place_vector: a copy that throws while it grows leaves it as it was") {
    PlaceVector<Fragile> v;
    copies_left = 1000;
    for (int i = 0; i < 4; ++i) v.push_back(Fragile{i}); // fills the first 4 places
    REQUIRE(v.capacity() == 4);
    copies_left = 2; // the move to 8 places copies 4
    CHECK_THROWS_AS(v.push_back(Fragile{4}), std::runtime_error);
    copies_left = 1000;
    REQUIRE(v.size() == 4);
    CHECK(v.capacity() == 4);
    for (int i = 0; i < 4; ++i) CHECK(v[static_cast<std::size_t>(i)].value == i);
}

TEST_CASE("place_vector: a copy of the whole that throws part way leaves both as they were") {
    PlaceVector<Fragile> v;
    copies_left = 1000;
    for (int i = 0; i < 6; ++i) v.push_back(Fragile{i});
    copies_left = 3; // the fourth element's copy throws
    CHECK_THROWS_AS(PlaceVector<Fragile>{v}, std::runtime_error);
    copies_left = 1000;
    REQUIRE(v.size() == 6);
    for (int i = 0; i < 6; ++i) CHECK(v[static_cast<std::size_t>(i)].value == i);
}

#if !defined(__SANITIZE_ADDRESS__)
TEST_CASE("place_vector: from 2 MiB its elements are a mapping of their own, resident at once") {
    // What a load relies on: rows are not in malloc's heap, whose
    // reservation (fwcompile/load/load.hpp) leaves them out, and reserving
    // them allocates them. A block from malloc never starts on a huge page
    // (its header is before it); a mapping of map_huge_pages always does.
    struct Big {
        char bytes[1000] = {};
    };
    const std::size_t n = 3 * kHugePageBytes / sizeof(Big);
    PlaceVector<Big> v;
    v.reserve(n);
    const auto first = reinterpret_cast<std::uintptr_t>(v.data());
    CHECK(first % kHugePageBytes == 0);
    const char* const bytes = reinterpret_cast<const char*>(v.data());
    const char* const end = bytes + n * sizeof(Big);
    CHECK(test::resident_pages(bytes, end) == test::pages_in(bytes, end));

    // It grows and is given back like any other block.
    for (std::size_t i = 0; i < n; ++i) v.emplace_back().bytes[0] = static_cast<char>(i);
    v.emplace_back();
    CHECK(v.size() == n + 1);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % kHugePageBytes == 0);
    CHECK(v[n - 1].bytes[0] == static_cast<char>(n - 1));
    PlaceVector<Big> small;
    small.reserve(16);
    CHECK(small.capacity() == 16);
}
#endif

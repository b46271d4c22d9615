// SPDX-License-Identifier: GPL-3.0-or-later
// A TextArena hands out copies that stay put: each view keeps its text after
// many more are kept, across blocks, and for texts larger than a block.
#include "common/text_arena.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using phx::TextArena;

TEST_CASE("TextArena: every kept text stays as it was, across blocks") {
    TextArena arena;
    std::vector<std::string> originals;
    std::vector<std::string_view> kept;
    // 50,000 comments of 20-60 bytes: some 2 MB, many 64 KiB blocks.
    for (int i = 0; i < 50'000; ++i) {
        originals.push_back("row " + std::to_string(i) +
                            std::string(static_cast<std::size_t>(i % 41), 'x'));
        kept.push_back(arena.keep(originals.back()));
        // A copy, not a view of the caller's text.
        CHECK(kept.back().data() != originals.back().data());
    }
    for (std::size_t i = 0; i < kept.size(); ++i) REQUIRE(kept[i] == originals[i]);
}

TEST_CASE("TextArena: large and empty texts") {
    TextArena arena;
    const std::string small = "before";
    const std::string_view first = arena.keep(small);
    const std::string large(200'000, 'L'); // larger than a block: a block of its own
    const std::string_view big = arena.keep(large);
    const std::string_view after = arena.keep("after");
    CHECK(big == large);
    CHECK(first == "before");
    CHECK(after == "after");
    // The small texts share the block the large one did not take.
    CHECK(after.data() == first.data() + first.size());
    CHECK(arena.keep("").empty());
}

TEST_CASE("TextArena: adopt keeps another arena's texts alive in this one") {
    TextArena mine;
    const std::string_view own = mine.keep("own");
    std::vector<std::string_view> taken;
    {
        TextArena other;
        for (int i = 0; i < 10'000; ++i) taken.push_back(other.keep("other " + std::to_string(i)));
        mine.adopt(other);
        CHECK(other.keep("after").size() == 5); // left empty, still usable
    }                                           // `other` is gone; what it kept is now `mine`'s
    for (std::size_t i = 0; i < taken.size(); ++i)
        REQUIRE(taken[i] == "other " + std::to_string(i));
    CHECK(own == "own");
    // Keeping goes on in this arena's own block.
    const std::string_view next = mine.keep("next");
    CHECK(next == "next");
    CHECK(next.data() == own.data() + own.size());
}

// SPDX-License-Identifier: GPL-3.0-or-later
// Section getters report every problem at its file:line:col, in the words
// both programs use.
#include "common/config/section.hpp"

#include <array>
#include <doctest/doctest.h>

using namespace phx;
using namespace phx::config;

namespace {

struct Parsed {
    mutable Diagnostics diag; // sections report into it
    std::optional<Document> doc;
    FileName file{"cfg.toml"};
    explicit Parsed(const std::string& text) : doc{Document::parse(text, "cfg.toml", diag)} {}
    [[nodiscard]] Section section(std::string_view name) const {
        return {*doc, doc->root(), name, file, diag};
    }
};

} // namespace

TEST_CASE("Section: unknown keys, wrong types and ranges carry positions") {
    const Parsed p("workers = \"two\"\nlisen = 1\nsize = 70000\nnames = [\"a\", 2]\nb = 1\n");
    REQUIRE(p.doc);
    const Section s = p.section("[server]");
    s.allow_only({"workers", "listen", "size", "names", "b"});
    CHECK_FALSE(s.integer("workers", 1, 8));
    CHECK_FALSE(s.integer("size", 512, 4096));
    CHECK_FALSE(s.strings("names"));
    CHECK_FALSE(s.boolean("b"));
    CHECK(p.diag.to_string() ==
          "cfg.toml:2:1: error: unknown key 'lisen' in [server] (did you mean 'listen'?)\n"
          "cfg.toml:1:11: error: 'workers' in [server] must be an integer\n"
          "cfg.toml:3:8: error: 'size' in [server] must be between 512 and 4096, not 70000\n"
          "cfg.toml:4:15: error: 'names' in [server] must hold only strings\n"
          "cfg.toml:5:5: error: 'b' in [server] must be true or false\n");
}

TEST_CASE("Section: values with their positions, a missing required key names the table") {
    const Parsed p("one = \"a\"\nmany = [\"b\", 'c']\nflag = false\nn = 42\n");
    REQUIRE(p.doc);
    const Section s = p.section("[t]");
    const auto one = s.strings("one");
    REQUIRE(one);
    REQUIRE(one->size() == 1);
    CHECK((*one)[0].value == "a");
    CHECK((*one)[0].at.to_string() == "cfg.toml:1:7");
    const auto many = s.strings("many");
    REQUIRE(many);
    REQUIRE(many->size() == 2);
    CHECK((*many)[1].value == "c");
    CHECK((*many)[1].at.to_string() == "cfg.toml:2:14");
    CHECK(s.boolean("flag") == false);
    CHECK(s.integer("n", 0, 100) == 42);
    CHECK_FALSE(s.string("absent"));
    CHECK_FALSE(p.diag.failed());
    CHECK_FALSE(s.string("needed", true));
    CHECK(p.diag.to_string() == "cfg.toml:1:1: error: [t] needs 'needed'\n");
}

TEST_CASE("Section: filed keys are found whatever order the table and the look-ups take") {
    // Filing and look-ups each start after the last key found; a table in
    // the reverse order, and look-ups jumping about, must still find each.
    const Parsed p("d = 4\nc = 3\nb = 2\na = 1\n");
    REQUIRE(p.doc);
    Section s = p.section("[[rule]]");
    static constexpr std::array<std::string_view, 4> keys{"a", "b", "c", "d"};
    s.file_keys(keys);
    CHECK(p.diag.to_string().empty());
    for (const std::size_t i : {3, 1, 0, 2, 2, 0, 3, 1, 1}) {
        CAPTURE(keys[i]);
        CHECK(s.integer(keys[i], 0, 9) == static_cast<std::int64_t>(i + 1));
        CHECK(s.pos_of(keys[i]).line == 4 - i);
    }
}

TEST_CASE("Section: filed keys give each key its own value, absent ones none") {
    const Parsed p("b = \"two\"\nzz = 1\na = 'one'\nc = [\"x\", \"y\"]\n");
    REQUIRE(p.doc);
    Section s = p.section("[[rule]]");
    static constexpr std::array<std::string_view, 4> keys{"a", "b", "c", "d"};
    s.file_keys(keys);
    CHECK(p.diag.to_string() == "cfg.toml:2:1: error: unknown key 'zz' in [[rule]]\n");
    // The filed views themselves, then the same text from elsewhere in memory.
    const std::string a_copy{"a"};
    for (const std::string_view a : {keys[0], std::string_view{a_copy}}) {
        REQUIRE(s.string(a));
        CHECK(s.string(a)->value == "one");
        CHECK(s.pos_of(a).to_string() == "cfg.toml:3:5");
    }
    CHECK(s.string(keys[1])->value == "two");
    CHECK(s.pos_of(keys[1]).to_string() == "cfg.toml:1:5");
    REQUIRE(s.strings(keys[2]));
    CHECK(s.strings(keys[2])->at(1).value == "y");
    CHECK_FALSE(s.has(keys[3]));
    CHECK(s.pos_of(keys[3]).to_string() == "cfg.toml:1:1");
    CHECK(s.has("zz")); // reported, yet still readable by a plain look-up
}

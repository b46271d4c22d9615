// SPDX-License-Identifier: GPL-3.0-or-later
// The TOML layer's document: the fast reader of plain TOML must read exactly
// what toml++ reads, or leave the text to toml++: never accept what toml++
// refuses (tests/fuzz/fuzz_toml.cpp checks the same on mutated input). And a
// file that cannot be read is an error naming it and saying why.
#include "common/config/document.hpp"
#include "common/config/nesting.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <toml++/toml.h>

using namespace phx;
using phx::test::TempFile;

namespace {

using config::Document;

std::optional<Document> plain(const std::string& text) {
    return Document::read_plain(text);
}

Document by_toml(const std::string& text) {
    return Document::from_toml(toml::parse(text));
}

} // namespace

TEST_CASE("Document: the fast reader reads plain TOML exactly as toml++ does, positions included") {
    const std::string cases[] = {
        "",
        "# only a comment",
        "a = 1",
        "a = \"x\" # comment\nb = 'y'#comment right after\nc = -42\n",
        "\n\n  key_1-x = \"v\"  \n\t[t]\n  x = 0\n",
        "s = \"tab\\there \\\"quoted\\\" back\\\\slash\\nnewline\\b\\f\\r\"\n",
        "l = 'C:\\temp\\ \"as is\"'\ne = \"\"\nf = ''\n",
        "big = 9223372036854775807\nsmall = -9223372036854775808\n",
        "a = []\nb = [ ]\nc = [1, \"two\", 'three']\nd = [\n  1, # one\n  2,\n  # a comment line\n "
        " 3,\n]\n",
        "[hypervisor]\naddress = \"10.0.0.13\"\n\n[[rule]]\nscope = \"global\"\n\n[[guest]]\nid = "
        "101\n[[rule]]\nports = [80, \"8000-8100\"]\n",
        "  [[rule]]\n  scope = \"x\"\n[[rule]]\n[[rule]]\ncomment = \"third\"",
        "n = 1#c\nm = [1,2]#c\n",
        "yes = true\nno = false # c\nboth = [true, false]\n",
        "[[a]]\nx = 1\n[[a]]\n[[b]]\ny = 2\n[[a]]\nz = 3\n[[b]]\n[[a]]\n",
    };
    for (const auto& text : cases) {
        INFO("text: " << text);
        const auto read = plain(text);
        REQUIRE(read);
        CHECK(*read == by_toml(text));
    }
    // A difference is noticed: the same keys, one value moved by a column.
    CHECK_FALSE(*plain("a = 1\n") == by_toml(" a = 1\n"));
    CHECK_FALSE(*plain("a = 1\n") == by_toml("a = 2\n"));
}

TEST_CASE("Document: what the fast reader leaves to toml++ is valid TOML it does not handle") {
    const std::string cases[] = {
        "a = 1\r\nb = 2\r\n",
        "a.b = 1",
        "\"quoted\" = 1",
        "t = {x = 1}",
        "f = 1.5",
        "d = 2024-01-01",
        "m = \"\"\"\nx\"\"\"",
        "u = \"\\u00e9\"",
        "p = +1",
        "z = -0",
        "h = 0x1f",
        "n = 1_000",
        "# caf\xc3\xa9\na = 1",
        "[ spaced ]\na = 1",
        "n = [[1], [2]]",
    };
    for (const auto& text : cases) {
        INFO("text: " << text);
        CHECK_FALSE(plain(text));
        CHECK_NOTHROW((void)toml::parse(text));
    }
}

TEST_CASE("Document: the fast reader never accepts what toml++ refuses") {
    const std::string cases[] = {
        "a = 1\na = 2",
        "[t]\n[t]",
        "a = 1\n[a]",
        "[a]\n[[a]]",
        "[[a]]\n[a]",
        "a = \"open",
        "a = 'open",
        "a = \"bad\\q\"",
        "a = \"ctl\x01\"",
        "a = 1 2",
        "a = \"x\" y",
        "[a",
        "[[a]",
        "a = [1,,2]",
        "a = [1 2]",
        "= 1",
        "a =",
        "a = 01",
        "a = 99999999999999999999",
        "[t]\nx = 1\nx = 2",
        "a = [1, 2",
        "a = 1\n\x7f",
        "b = tru",
        "b = truex",
        "b = True",
        "b = [true false]",
    };
    for (const auto& text : cases) {
        INFO("text: " << text);
        CHECK_FALSE(plain(text));
        CHECK_THROWS((void)toml::parse(text));
    }
}

// The fast reader scans strings 16 bytes at a time (SSE2) while 16 are left
// in the text, then byte by byte: a byte that ends, escapes or bars a string
// must stop the scan wherever it falls in a block or in the tail.
TEST_CASE("Document: a special byte anywhere in a string of any length reads as toml++ reads it") {
    const std::string specials[] = {"\\\"", "\\\\", "\\t",      "\t", "'",  "\"",
                                    "\x01", "\x7f", "\xc3\xa9", "\n", "\\q"};
    std::size_t accepted = 0;
    for (const char quote : {'"', '\''}) {
        for (std::size_t length = 1; length <= 40; ++length) {
            for (std::size_t at = 0; at < length; ++at) {
                for (const auto& special : specials) {
                    std::string body(length, 'x');
                    body.replace(at, 1, special);
                    for (const std::string& end : {std::string{"\n"}, std::string{}}) {
                        const std::string text =
                            "s = " + std::string(1, quote) + body + std::string(1, quote) + end;
                        INFO("text: " << text);
                        const auto read = plain(text);
                        toml::table parsed;
                        try {
                            parsed = toml::parse(text);
                        } catch (const toml::parse_error&) {
                            CHECK_FALSE(read);
                            continue;
                        }
                        if (!read) continue; // left to toml++ (non-ASCII)
                        ++accepted;
                        CHECK(*read == Document::from_toml(parsed));
                    }
                }
            }
        }
    }
    CHECK(accepted > 10'000); // most are plain: the comparison above ran
}

TEST_CASE("Document: a boolean reads as true or false, whichever reader read it") {
    const auto plain = Document::read_plain("on = true\noff = false\n");
    REQUIRE(plain);
    const auto& entries = plain->entries(plain->root());
    REQUIRE(entries.size() == 2);
    CHECK(entries[0].value.kind == config::NodeKind::boolean);
    CHECK(plain->boolean(entries[0].value));
    CHECK_FALSE(plain->boolean(entries[1].value));
    Diagnostics d;
    const auto by_toml =
        Document::parse("on = true # \u00e9 keeps it from the fast reader\n", "x.toml", d);
    REQUIRE(by_toml);
    CHECK(by_toml->boolean(by_toml->entries(by_toml->root())[0].value));
}

TEST_CASE("Document: a syntax error is reported at its line and column") {
    const TempFile file("[server]\nlisten = [\"a\",\n  oops\n");
    Diagnostics d;
    CHECK_FALSE(Document::load(file.path(), d));
    REQUIRE(d.all().size() == 1);
    CHECK(d.all()[0].at.file == file.path());
    CHECK(d.all()[0].at.line == 3);
    CHECK(d.all()[0].at.column > 0);
}

TEST_CASE("Document: a file that cannot be read is an error naming it and saying why") {
    Diagnostics missing;
    CHECK_FALSE(Document::load("/nonexistent/phx.toml", missing));
    CHECK(missing.to_string() ==
          "/nonexistent/phx.toml: error: cannot read the file: No such file or directory\n");
    Diagnostics directory;
    CHECK_FALSE(Document::load("/", directory));
    CHECK(directory.to_string() == "/: error: cannot read the file: is a directory\n");
}

TEST_CASE("nesting: deep dotted keys, headers and brackets are refused before toml++ parses them") {
    const std::string key = "x = 1\na" + std::string(35000 / 2, '.') + "\n";
    std::string dotted = "x = 1\na";
    for (int i = 0; i < 70; ++i) dotted += ".b";
    dotted += " = 1\n";
    const auto deep_key = config::nesting_problem(dotted);
    REQUIRE(deep_key);
    CHECK(deep_key->line == 2);
    CHECK(deep_key->column == 2 + 2 * 63); // at the dot that makes part 65
    std::string header = "[t";
    for (int i = 0; i < 70; ++i) header += ".u";
    header += "]\n";
    CHECK(config::nesting_problem(header));
    const std::string brackets = "a = " + std::string(65, '[') + std::string(65, ']') + "\n";
    const auto deep_array = config::nesting_problem(brackets);
    REQUIRE(deep_array);
    CHECK(deep_array->column == 4 + 65);
    std::string inline_table = "t = {";
    for (int i = 0; i < 65; ++i) inline_table += " a = {";
    CHECK(config::nesting_problem(inline_table));
    // What only looks deep: dots and brackets in strings and comments, many
    // floats in one array, a table array header.
    std::string floats = "f = [";
    for (int i = 0; i < 200; ++i) floats += "1.5, ";
    floats += "2.5]\n";
    for (const std::string& fine :
         {std::string{"s = \"" + std::string(200, '.') + std::string(100, '[') + "\"\n"},
          std::string{"# " + std::string(200, '.') + "\n[[rule]]\na.b.c = 'x.y.z[[['\n"},
          std::string{"m = \"\"\"\n" + std::string(100, '{') + "\n\"\"\"\nq = 1\n"}, floats})
        CHECK_MESSAGE(!config::nesting_problem(fine), fine);
}

TEST_CASE("Document: a file nested 35,000 levels deep is an error at its line, not a crash") {
    std::string text = "a";
    for (int i = 0; i < 35000; ++i) text += ".b";
    text += " = 1\n";
    const TempFile file(text);
    Diagnostics d;
    CHECK_FALSE(Document::load(file.path(), d));
    CHECK(d.to_string().find(file.path() + ":1:128: error: a key of more than 64 levels") == 0);
}

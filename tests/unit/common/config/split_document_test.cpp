// SPDX-License-Identifier: GPL-3.0-or-later
// A document read in pieces (Document::read_split, read_piece) must be the
// document the fast reader reads whole, or a piece must be declined (the
// loader then reads the file whole): never another tree. The fuzz target
// fuzz_toml checks the same on mutated input.
#include "common/config/document.hpp"
#include "unit/common/config/split_check.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace phx;
using phx::test::compare_split;
using phx::test::SplitVerdict;

namespace {

using config::Document;

SplitVerdict verdict(const std::string& text, std::size_t per_piece) {
    return compare_split(text, "rule", per_piece, Document::read_plain(text));
}

std::string rule(int i) {
    return "[[rule]]\nscope = \"global\"\nports = [" + std::to_string(i) + ", \"8000-8100\"]\n" +
           "comment = \"row \\\"" + std::to_string(i) + "\\\"\" # why\n\n";
}

} // namespace

TEST_CASE("split document: the pieces hold the tables the whole read does, at their positions") {
    std::string rules;
    for (int i = 0; i < 7; ++i) rules += rule(i);
    const std::string cases[] = {
        rules,
        "[hypervisor]\naddress = \"10.0.0.13\"\n[[guest]]\nid = 101\n\n" + rules,
        "top = 1 # a key at the root\n" + rules + "# a last comment",
        "[[rule]]",
        "[[rule]]\n",
        "[t]\nx = 1\n[[rule]]\n  a = 'x'\n[[rule]]\t\n[[rule]] # c\nb = [\n  1,\n  2,\n]\n",
        // [[rule]]s before another header: the run after it is read with the head.
        "[[rule]]\na = 1\n[t]\nb = 2\n" + rules,
    };
    for (const auto& text : cases)
        for (const std::size_t per_piece : {1u, 2u, 3u, 256u}) {
            INFO("per piece " << per_piece << ", text: " << text);
            REQUIRE(Document::read_plain(text));
            CHECK(verdict(text, per_piece) == SplitVerdict::same);
        }
    // The comparison notices a difference: another tree is "different".
    CHECK(compare_split(rules, "rule", 2, Document::read_plain(rules + "[[rule]]\n")) ==
          SplitVerdict::different);
    CHECK(compare_split(rules, "rule", 2, Document::read_plain(" " + rules)) ==
          SplitVerdict::different);
}

TEST_CASE("split document: the run after the head is left in pieces, numbered from its line") {
    const std::string text = "[t]\nx = 1\n" + rule(1) + rule(2) + rule(3);
    auto split = Document::read_split(text, "rule", 2);
    REQUIRE(split);
    REQUIRE(split->pieces.size() == 2);
    CHECK(split->head.find(split->head.root(), "rule") == nullptr);
    Document piece;
    REQUIRE(Document::read_piece(*split, 1, "rule", piece));
    const auto* array = piece.find(piece.root(), "rule");
    REQUIRE(array);
    REQUIRE(piece.items(array->value).size() == 1);
    const auto& table = piece.items(array->value)[0];
    CHECK(table.at.line == 13); // the third [[rule]]
    const auto* comment = piece.find(table, "comment");
    REQUIRE(comment);
    CHECK(piece.text(comment->value) == "row \"3\"");
    CHECK(comment->value.at.line == 16);
    CHECK(comment->value.at.column == 11);
}

TEST_CASE("split document: a piece that is not plain, or not only [[rule]]s, is declined") {
    const std::string rules = rule(1) + rule(2);
    const std::string cases[] = {
        rules + "[[rule]]\nm = \"\"\"\n[[rule]]\n\"\"\"\n", // multi-line string
        rules + "[[rule]]\na = [\n[[rule]]\n]\n",           // an array around a header
        rules + "  [t]\nx = 1\n",                           // another header, indented
        rules + "  [[guest]]\n",                            // another array
        rules + "\t[[rule]]\n",                             // a header the scan skips
        rules + "[[rule]]\nc = \"caf\xc3\xa9\"\n",          // beyond ASCII: toml++
        rules + "[[rule]]\na = 1\na = 2\n",                 // a duplicate key
        rules + "[[rule]]\nbad = \n",                       // a syntax error
        rules + "[[rule]]\r\n",                             // CRLF after the run began
    };
    for (const auto& text : cases) {
        INFO("text: " << text);
        for (const std::size_t per_piece : {1u, 2u, 256u}) {
            const auto v = verdict(text, per_piece);
            CHECK(v != SplitVerdict::different);
            if (text.find("\r\n") == std::string::npos) CHECK(v == SplitVerdict::declined);
        }
    }
}

TEST_CASE("split document: load_split reads a file's head, and a file it cannot split whole") {
    Diagnostics diag;
    const test::TempFile rules{"[t]\nx = 1\n" + rule(1) + rule(2)};
    const auto split = Document::load_split(rules.path(), diag, "rule", 1);
    REQUIRE(split);
    CHECK(split->pieces.size() == 2);
    // Not plain (a dotted key): toml++ reads it whole, as load() would.
    const test::TempFile dotted{"t.x = 1\n" + rule(1)};
    const auto whole = Document::load_split(dotted.path(), diag, "rule", 1);
    REQUIRE(whole);
    CHECK(whole->pieces.empty());
    CHECK(whole->head.find(whole->head.root(), "rule") != nullptr);
    CHECK(diag.to_string().empty());
    CHECK_FALSE(Document::load_split("/nonexistent/rules.toml", diag, "rule", 1));
    CHECK(diag.error_count() == 1);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The scan for a trailing run of [[name]] tables: where the run starts, how
// it is cut, each piece's first line; against a line-by-line reference at
// every alignment of the 16-byte blocks it scans.
#include "common/config/table_run.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using phx::config::TablePiece;
using phx::config::trailing_table_run;

namespace {

// The same, one line at a time.
std::vector<TablePiece> reference(const std::string& text, const std::string& name,
                                  std::size_t per_piece) {
    std::vector<TablePiece> pieces;
    std::uint32_t line = 1;
    for (std::size_t at = 0; at < text.size(); ++line) {
        const std::size_t eol = text.find('\n', at);
        const std::string content = text.substr(at, eol == std::string::npos ? eol : eol - at);
        if (content.starts_with('[')) {
            const std::string header = "[[" + name + "]]";
            const bool exact =
                content.starts_with(header) &&
                (content.size() == header.size() ||
                 std::string{" \t#"}.find(content[header.size()]) != std::string::npos);
            if (!exact) {
                pieces.clear();
            } else {
                if (pieces.empty() || pieces.back().tables == per_piece) {
                    if (!pieces.empty()) pieces.back().end = static_cast<std::uint32_t>(at);
                    pieces.push_back({static_cast<std::uint32_t>(at), 0, line, 0});
                }
                ++pieces.back().tables;
            }
        }
        if (eol == std::string::npos) break;
        at = eol + 1;
    }
    if (!pieces.empty()) pieces.back().end = static_cast<std::uint32_t>(text.size());
    return pieces;
}

bool same(const std::vector<TablePiece>& a, const std::vector<TablePiece>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (a[k].begin != b[k].begin || a[k].end != b[k].end || a[k].line != b[k].line ||
            a[k].tables != b[k].tables)
            return false;
    return true;
}

} // namespace

TEST_CASE("table run: the pieces of a file's trailing [[rule]] tables") {
    const std::string text = "[hypervisor]\naddress = \"10.0.0.13\"\n"
                             "[[rule]]\na = 1\n" // line 3, offset 35
                             "[[rule]] # two\n"  // line 5
                             "[[rule]]\tb = 2\n" // line 6
                             "\n[[rule]]\n";     // line 8
    const auto pieces = trailing_table_run(text, "rule", 2);
    REQUIRE(pieces.size() == 2);
    CHECK(pieces[0].begin == 35);
    CHECK(pieces[0].line == 3);
    CHECK(pieces[0].tables == 2);
    CHECK(pieces[0].end == pieces[1].begin);
    CHECK(text.substr(pieces[1].begin, 8) == "[[rule]]");
    CHECK(pieces[1].line == 6);
    CHECK(pieces[1].tables == 2);
    CHECK(pieces[1].end == text.size());
    CHECK(same(pieces, reference(text, "rule", 2)));

    // From the start of the text, and one piece for everything.
    const auto whole = trailing_table_run("[[rule]]\nx = 1\n[[rule]]", "rule", 256);
    REQUIRE(whole.size() == 1);
    CHECK(whole[0].begin == 0);
    CHECK(whole[0].line == 1);
    CHECK(whole[0].tables == 2);
}

TEST_CASE("table run: another header after the rules moves the run past it, or ends it") {
    CHECK(trailing_table_run("", "rule", 2).empty());
    CHECK(trailing_table_run("a = 1\n", "rule", 2).empty());
    CHECK(trailing_table_run("[[rule]]\na = 1\n[t]\nb = 2\n", "rule", 2).empty());
    for (const std::string other : {"[[rules]]", "[[rule]]x", "[[ rule ]]", "[[rule]]\r", "[rule]",
                                    "[[\"rule\"]]", "[ [rule]]", "[[rule]"}) {
        INFO("other: " << other);
        const std::string text = "[[rule]]\n" + other + "\n[[rule]]\nx = 1\n";
        const auto pieces = trailing_table_run(text, "rule", 2);
        REQUIRE(pieces.size() == 1);
        CHECK(pieces[0].line == 3);
        CHECK(pieces[0].tables == 1);
    }
    // A header that does not start its line is the reader's to see.
    const auto indented = trailing_table_run("[[rule]]\n  [t]\n[[rule]]\n", "rule", 5);
    REQUIRE(indented.size() == 1);
    CHECK(indented[0].begin == 0);
    CHECK(indented[0].tables == 2);
}

TEST_CASE("table run: a header is found wherever it falls in the 16-byte blocks") {
    for (std::size_t pad = 0; pad < 40; ++pad) {
        std::string text = "k = \"" + std::string(pad, 'x') + "\"\n";
        for (int n = 0; n < 12; ++n) {
            text += n % 5 == 3 ? "[t" + std::to_string(n) + "]\n" : "[[rule]]\n";
            text += "v = \"" + std::string((pad * 7 + static_cast<std::size_t>(n) * 3) % 23, 'y') +
                    "\"\n";
        }
        for (const std::size_t per_piece : {1u, 2u, 3u}) {
            INFO("pad " << pad << ", per piece " << per_piece);
            const auto pieces = trailing_table_run(text, "rule", per_piece);
            CHECK(!pieces.empty());
            CHECK(same(pieces, reference(text, "rule", per_piece)));
        }
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// unified_diff: equal texts give nothing; changes show with their context.
#include "fwcompile/views/text_diff.hpp"

#include <doctest/doctest.h>

using phx::fw::unified_diff;

TEST_CASE("unified_diff: equal texts have no diff") {
    CHECK(unified_diff("a\nb\n", "a\nb\n", "x", "y").empty());
}

TEST_CASE("unified_diff: a changed line shows with two lines of context on each side") {
    const std::string from = "1\n2\n3\n4\n5\n6\n7\n";
    const std::string to = "1\n2\n3\nfour\n5\n6\n7\n";
    CHECK(unified_diff(from, to, "live", "rules") ==
          "--- live\n+++ rules\n@@ -2 +2 @@\n 2\n 3\n-4\n+four\n 5\n 6\n");
}

TEST_CASE("unified_diff: distant changes make separate hunks, insertions and deletions included") {
    const std::string from = "a\nb\nc\nd\ne\nf\ng\nh\ni\n";
    const std::string to = "new\na\nb\nc\nd\ne\nf\ng\ni\n";
    CHECK(unified_diff(from, to, "f", "t", 1) ==
          "--- f\n+++ t\n@@ -1 +1 @@\n+new\n a\n@@ -7 +8 @@\n g\n-h\n i\n");
}

TEST_CASE("unified_diff: from nothing, every line is added") {
    CHECK(unified_diff("", "x\ny\n", "none", "rules") ==
          "--- none\n+++ rules\n@@ -1 +1 @@\n+x\n+y\n");
}

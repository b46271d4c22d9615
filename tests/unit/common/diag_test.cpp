// SPDX-License-Identifier: GPL-3.0-or-later
// Diagnostics print in the file:line:col form editors jump to.
#include "common/diag.hpp"
#include "common/suggest.hpp"

#include <doctest/doctest.h>

using namespace phx;

TEST_CASE("Diagnostics: errors and warnings print with their position, in order") {
    Diagnostics d;
    d.warning({"rules.toml", 3, 7}, "shadowed");
    d.error({"zone.db", 12, 0}, "bad record");
    d.error({"cfg.toml", 0, 0}, "no zone");
    CHECK(d.failed());
    CHECK(d.error_count() == 2);
    CHECK(d.warning_count() == 1);
    CHECK(d.to_string() == "rules.toml:3:7: warning: shadowed\n"
                           "zone.db:12: error: bad record\n"
                           "cfg.toml: error: no zone\n");
}

TEST_CASE("Diagnostics: warnings alone do not fail") {
    Diagnostics d;
    d.warning({"f", 1, 1}, "w");
    CHECK_FALSE(d.failed());
}

TEST_CASE("Diagnostics: append adds another's findings after its own, counts included") {
    Diagnostics first;
    first.error({"rules.toml", 3, 1}, "early");
    Diagnostics second;
    second.warning({"rules.toml", 90, 2}, "late warning");
    second.error({"rules.toml", 91, 3}, "late");
    first.append(std::move(second));
    CHECK(first.error_count() == 2);
    CHECK(first.warning_count() == 1);
    CHECK(first.to_string() == "rules.toml:3:1: error: early\n"
                               "rules.toml:90:2: warning: late warning\n"
                               "rules.toml:91:3: error: late\n");
    CHECK(second.all().empty());
    CHECK(second.error_count() == 0);
}

TEST_CASE("did_you_mean: suggests a close candidate and nothing for a distant one") {
    const std::string_view keys[] = {"listen", "workers", "edns_udp_size"};
    CHECK(did_you_mean("lisen", keys) == " (did you mean 'listen'?)");
    CHECK(did_you_mean("WORKERS", keys) == " (did you mean 'workers'?)");
    CHECK(did_you_mean("zone", keys).empty());
}

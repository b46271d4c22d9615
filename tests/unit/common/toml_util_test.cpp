// SPDX-License-Identifier: GPL-3.0-or-later
// TOML reading reports every problem at its file:line:col.
#include "../temp_file.hpp"
#include "common/toml_util.hpp"

#include <doctest/doctest.h>
#include <fstream>

using namespace phx;
using phx::test::TempFile;

TEST_CASE("load_toml_file: a syntax error is reported at its line and column") {
    const TempFile file("[server]\nlisten = [\"a\",\n  oops\n");
    const std::string& path = file.path();
    Diagnostics d;
    CHECK_FALSE(load_toml_file(path, d));
    REQUIRE(d.all().size() == 1);
    CHECK(d.all()[0].at.file == path);
    CHECK(d.all()[0].at.line == 3);
    CHECK(d.all()[0].at.column > 0);
}

TEST_CASE("load_toml_file: a missing file is an error naming it") {
    Diagnostics d;
    CHECK_FALSE(load_toml_file("/nonexistent/phx.toml", d));
    CHECK(d.failed());
    CHECK(d.to_string().find("/nonexistent/phx.toml") == 0);
}

TEST_CASE("TomlSection: unknown keys, wrong types and ranges carry positions") {
    const TempFile file("workers = \"two\"\nlisen = 1\nsize = 70000\nnames = [\"a\", 2]\n");
    const std::string& path = file.path();
    Diagnostics d;
    auto table = load_toml_file(path, d);
    REQUIRE(table);
    TomlSection s{*table, "[server]", path, d};
    s.allow_only({"workers", "listen", "size", "names"});
    CHECK_FALSE(s.integer("workers", 1, 8));
    CHECK_FALSE(s.integer("size", 512, 4096));
    CHECK_FALSE(s.strings("names"));
    CHECK(d.to_string() ==
          path + ":2:1: error: unknown key 'lisen' in [server] (did you mean 'listen'?)\n" + path +
              ":1:11: error: 'workers' in [server] must be an integer\n" + path +
              ":3:8: error: 'size' in [server] must be between 512 and 4096, not 70000\n" + path +
              ":4:15: error: 'names' in [server] must hold only strings\n");
}

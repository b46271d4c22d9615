// SPDX-License-Identifier: GPL-3.0-or-later
// Lowering against golden files: tests/golden/<case>.toml compiles to
// tests/golden/<case>.nft (hypervisor target) and, for every
// <case>.host-<name>.nft present, to that host's own chains. The spec's
// rules file is the case "phoenix" and is read from rules/phoenix.toml.
// PHX_UPDATE_GOLDEN=1 rewrites the expected files from the current output;
// review the change before keeping it.
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/nft_text.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <cstdlib>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace phx;
using namespace phx::fw;
namespace fs = std::filesystem;

namespace {

const fs::path kGolden = fs::path{PHX_SOURCE_DIR} / "tests/golden";

std::string read(const fs::path& path) {
    std::ifstream in{path};
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A golden file opens with a licence line and a line saying what it holds,
// as nft comments; the expected output is what follows them.
std::string without_header(const std::string& text) {
    std::size_t at = 0;
    while (text.compare(at, 1, "#") == 0) at = text.find('\n', at) + 1;
    return text.substr(at);
}

// Compares, or with PHX_UPDATE_GOLDEN rewrites.
void check_golden(const fs::path& expected_file, const std::string& what,
                  const std::string& actual) {
    if (std::getenv("PHX_UPDATE_GOLDEN"))
        std::ofstream{expected_file}
            << "# SPDX-License-Identifier: GPL-3.0-or-later\n# Expected `phx-fw show` of " << what
            << " (tests/unit/fwcompile/lower/golden_test.cpp)\n"
            << actual;
    REQUIRE_MESSAGE(fs::exists(expected_file), expected_file.string());
    CHECK_MESSAGE(without_header(read(expected_file)) == actual,
                  "compiled output differs from " << expected_file.string());
}

// The compiled text cites rows by the file's name only, so it does not
// depend on where the source tree lives.
RuleSet load_case(const fs::path& rules_file) {
    Diagnostics diag;
    auto rules = load_rules(rules_file.string(), diag);
    REQUIRE_MESSAGE(rules, diag.to_string());
    return std::move(*rules);
}

void check_case(const std::string& name, const fs::path& rules_file) {
    INFO("golden case " << name);
    const RuleSet rules = load_case(rules_file);
    const std::string source = fs::relative(rules_file, PHX_SOURCE_DIR).string();
    check_golden(kGolden / (name + ".nft"), source + ", the hypervisor target",
                 to_nft_text(lower(rules, Target{})));
    const std::string prefix = name + ".host-";
    for (const auto& entry : fs::directory_iterator{kGolden}) {
        const std::string file = entry.path().filename().string();
        if (file.rfind(prefix, 0) != 0 || entry.path().extension() != ".nft") continue;
        const std::string host = file.substr(prefix.size(), file.size() - prefix.size() - 4);
        const auto index = rules.inventory.find(host);
        REQUIRE_MESSAGE(index, file);
        check_golden(entry.path(), source + " for --host " + host,
                     to_nft_text(lower(rules, Target{index})));
    }
}

} // namespace

TEST_CASE("golden: the spec's rules file compiles to the expected tables") {
    check_case("phoenix", fs::path{PHX_SOURCE_DIR} / "rules/phoenix.toml");
}

TEST_CASE("golden: every tests/golden case compiles to its expected tables") {
    int cases = 0;
    for (const auto& entry : fs::directory_iterator{kGolden}) {
        if (entry.path().extension() != ".toml") continue;
        check_case(entry.path().stem().string(), entry.path());
        ++cases;
    }
    CHECK(cases >= 3);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The br_netfilter check reads the two sysctls as /proc/sys shows them: one
// word and a newline. Laid out in a directory of its own, no root needed.
#include "fwcompile/system/bridge_netfilter.hpp"
#include "unit/temp_dir.hpp"

#include <doctest/doctest.h>

using phx::fw::system::bridge_netfilter_problem;

namespace {

constexpr const char* kFix =
    "sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1";

} // namespace

TEST_CASE("bridge_netfilter_problem: both sysctls on is no problem") {
    const phx::test::TempDir dir;
    dir.write("bridge-nf-call-iptables", "1\n");
    dir.write("bridge-nf-call-ip6tables", "1\n");
    CHECK(bridge_netfilter_problem(dir.path()).empty());
}

TEST_CASE("bridge_netfilter_problem: either sysctl off says so and what to run") {
    for (const auto& [v4, v6] : {std::pair{"0\n", "1\n"}, std::pair{"1\n", "0\n"},
                                 std::pair{"10\n", "1\n"}, std::pair{"\n", "1\n"}}) {
        CAPTURE(v4);
        CAPTURE(v6);
        const phx::test::TempDir dir;
        dir.write("bridge-nf-call-iptables", v4);
        dir.write("bridge-nf-call-ip6tables", v6);
        const std::string problem = bridge_netfilter_problem(dir.path());
        const bool empty_file = std::string{v4} == "\n";
        CHECK(problem.find(empty_file ? "not loaded" : "is off in this network namespace") !=
              std::string::npos);
        CHECK(problem.find(kFix) != std::string::npos);
    }
}

TEST_CASE("bridge_netfilter_problem: no sysctls means the module is not loaded") {
    const phx::test::TempDir dir;
    const std::string problem = bridge_netfilter_problem(dir.path());
    CHECK(problem.find("br_netfilter is not loaded") != std::string::npos);
    CHECK(problem.find(std::string{"modprobe br_netfilter && "} + kFix) != std::string::npos);
}

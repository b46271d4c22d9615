// SPDX-License-Identifier: GPL-3.0-or-later
// check --dns: the inventory against phx-dnsd's zones. phx-dnsd checks them
// itself (`phx-dnsd --check --config FILE --inventory RULES`), so what is
// reported is exactly what the installed phx-dnsd would refuse or warn
// about at its next reload, and phx-fw does not link the DNS server's code:
// loading libzscanner and libcrypto cost every apply ~0.6 ms (paired A/B),
// for a check run now and then (README, "No DNS code in phx-fw").
#include "fwcompile/cli/commands.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace phx::fw::cli {

int check_dns(const Options& o) {
    // The package installs phx-dnsd beside phx-fw; from a build tree, or any
    // other layout, it is whatever PATH finds.
    std::error_code unknown;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", unknown);
    const auto beside = self.parent_path() / "phx-dnsd";
    const std::string program =
        !unknown && ::access(beside.c_str(), X_OK) == 0 ? beside.string() : "phx-dnsd";
    std::vector<std::string> args = {program, "--check", "--config", o.dns, "--inventory", o.rules};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    std::fflush(stdout); // phx-fw check's own summary comes first
    pid_t child = 0;
    const int spawned =
        ::posix_spawnp(&child, program.c_str(), nullptr, nullptr, argv.data(), environ);
    if (spawned != 0) {
        std::fprintf(stderr,
                     "phx-fw: check --dns runs phx-dnsd --check, and %s could not be started "
                     "(%s): install phx-dnsd beside %s or in PATH\n",
                     program.c_str(), std::strerror(spawned), unknown ? "phx-fw" : self.c_str());
        return kFailed;
    }
    int status = 0;
    while (::waitpid(child, &status, 0) < 0)
        if (errno != EINTR) return kFailed;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return kOk;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != kFailed)
        std::fprintf(stderr, "phx-fw: %s --check did not finish its check (%s %d)\n",
                     program.c_str(), WIFEXITED(status) ? "exit status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return kFailed;
}

} // namespace phx::fw::cli

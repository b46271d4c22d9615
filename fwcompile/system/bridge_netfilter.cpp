// SPDX-License-Identifier: GPL-3.0-or-later
// The br_netfilter check; see bridge_netfilter.hpp. The sysctls are per network
// namespace (Linux 5.3 and later), so this reads the caller's namespace.
#include "fwcompile/system/bridge_netfilter.hpp"

#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <unistd.h>

namespace phx::fw::system {
namespace {

// A sysctl's first word. read(2), not an ifstream, whose first use sets up
// locales: apply runs this on its way to the kernel, and the check took 0.33
// ms with ifstreams, 0.25 with read(2) (two /proc/sys files, this project's VM).
std::optional<std::string> read_value(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buffer[64];
    ssize_t n;
    do {
        n = ::read(fd, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    if (n <= 0) return std::nullopt;
    const std::string_view text{buffer, static_cast<std::size_t>(n)};
    const std::size_t begin = text.find_first_not_of(" \t\n");
    if (begin == std::string_view::npos) return std::nullopt;
    const std::size_t end = text.find_first_of(" \t\n", begin);
    return std::string{text.substr(begin, end == std::string_view::npos ? end : end - begin)};
}

} // namespace

std::string bridge_netfilter_problem(const std::string& directory) {
    const std::string enable =
        "sysctl -w net.bridge.bridge-nf-call-iptables=1 net.bridge.bridge-nf-call-ip6tables=1";
    const auto v4 = read_value(directory + "/bridge-nf-call-iptables");
    const auto v6 = read_value(directory + "/bridge-nf-call-ip6tables");
    if (!v4 || !v6)
        return "br_netfilter is not loaded, so bridged guest traffic would bypass the forward "
               "chain. Run:\n"
               "    modprobe br_netfilter && " +
               enable;
    if (*v4 != "1" || *v6 != "1")
        return "br_netfilter is off in this network namespace, so bridged guest traffic would "
               "bypass the "
               "forward chain. Run:\n    " +
               enable;
    return {};
}

} // namespace phx::fw::system

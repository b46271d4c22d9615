// SPDX-License-Identifier: GPL-3.0-or-later
// The br_netfilter check; see bridge_netfilter.hpp. The sysctls are per network
// namespace (Linux 5.3 and later), so this reads the caller's namespace.
#include "fwcompile/system/bridge_netfilter.hpp"

#include <fstream>
#include <optional>

namespace phx::fw::system {
namespace {

std::optional<std::string> read_value(const std::string& path) {
    std::ifstream in{path};
    std::string value;
    if (!(in >> value)) return std::nullopt;
    return value;
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

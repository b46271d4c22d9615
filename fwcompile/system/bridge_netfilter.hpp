// SPDX-License-Identifier: GPL-3.0-or-later
// Bridged guest traffic reaches the inet forward hook only through
// br_netfilter; without it the hypervisor's forward chain filters nothing.
#pragma once

#include <string>

namespace phx::fw::system {

// "" when bridge-nf-call-iptables and -ip6tables are 1 in this network
// namespace; otherwise what is wrong and the exact command that fixes it.
[[nodiscard]] std::string
bridge_netfilter_problem(const std::string& directory = "/proc/sys/net/bridge");

} // namespace phx::fw::system

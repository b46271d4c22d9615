// SPDX-License-Identifier: GPL-3.0-or-later
// What `apply` refuses before it sends anything, unless --force: a policy
// that would lock out the SSH session it runs in, and a host target for a
// host this machine is not.
#pragma once

#include "fwcompile/cli/load_target.hpp"

#include <optional>
#include <string>

namespace phx::fw::cli {

// The SSH session apply runs in, from $SSH_CONNECTION ("client port server
// port"); nullopt outside SSH or when the variable does not parse.
struct SshSession {
    IpAddress client;
    IpAddress server;
    std::uint16_t port = 0;
};
[[nodiscard]] std::optional<SshSession> ssh_session(const char* ssh_connection);

// Why a new connection from the session's client to its port would be
// dropped by the target's input chain under these rules, naming what is
// missing; nullopt when it would be accepted, or when the session's server
// address is not on this machine (its packets never meet these tables).
[[nodiscard]] std::optional<std::string> lockout(const Loaded& loaded, const SshSession& session);

// Why --host names a host whose address is not on this machine; nullopt
// when it is (or for the hypervisor target).
[[nodiscard]] std::optional<std::string> foreign_target(const Loaded& loaded);

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// The lockout guard and the host-target check; see safety.hpp.
#include "fwcompile/cli/safety.hpp"

#include "common/local_addresses.hpp"
#include "fwcompile/views/explain.hpp"

#include <fmt/format.h>
#include <sstream>

namespace phx::fw::cli {
namespace {

// What [management] does for this session, in words, when it does not
// admit it.
std::string management_gap(const RuleSet& rules, const SshSession& session) {
    const Management& m = rules.management;
    const std::string where = m.written ? fmt::format(" ({})", m.at.to_string()) : std::string{};
    if (!m.enabled) return fmt::format("[management] is turned off{}", where);
    if (session.port == 22 && !m.ssh)
        return fmt::format("[management] services{} do not include \"ssh\"", where);
    if (session.port != 22)
        return fmt::format("[management] opens SSH on port 22, not port {}", session.port);
    return fmt::format("[management] sources{} do not hold {}", where, session.client.to_string());
}

} // namespace

std::optional<SshSession> ssh_session(const char* ssh_connection) {
    if (!ssh_connection) return std::nullopt;
    std::istringstream words{ssh_connection};
    std::string client, client_port, server, server_port;
    if (!(words >> client >> client_port >> server >> server_port)) return std::nullopt;
    const auto c = IpAddress::parse(client);
    const auto s = IpAddress::parse(server);
    const auto port = parse_uint(server_port, 65535);
    if (!c || !s || !port) return std::nullopt;
    return SshSession{*c, *s, static_cast<std::uint16_t>(*port)};
}

std::optional<std::string> lockout(const Loaded& loaded, const SshSession& session) {
    // A session whose server address is not on this machine (apply run in
    // a network namespace from an SSH login elsewhere) does not come
    // through these tables.
    if (!is_local_address(session.server)) return std::nullopt;
    const RuleSet& rules = loaded.rules;
    const Packet packet{session.client, session.server, Protocol::tcp, session.port};
    const Decision d = decide_at(rules, loaded.target, ir::Hook::input, packet);
    if (d.accepted) return std::nullopt;
    const std::string because =
        d.row ? fmt::format("the row at {} (\"{}\") {}s it", row_source(*d.row), d.row->comment,
                            to_string(d.row->action))
              : fmt::format("no row accepts it and {}", management_gap(rules, session));
    return fmt::format(
        "this apply runs over SSH from {} to port {}, and under {} ({}) a new connection from {} "
        "to {} tcp/{} would be dropped: {}. You would be locked out once this session ends. "
        "Open it with a [[rule]] or in [management], or pass --force (or use --confirm SECONDS "
        "with --force)",
        session.client.to_string(), session.port, rules.file, loaded.target_name(),
        session.client.to_string(), session.server.to_string(), session.port, because);
}

std::optional<std::string> foreign_target(const Loaded& loaded) {
    if (!loaded.target.host) return std::nullopt;
    const Host& host = loaded.rules.inventory.hosts[*loaded.target.host];
    if (is_local_address(host.address)) return std::nullopt;
    return fmt::format("--host {} would install {}'s own chains, but {} is not an address of this "
                       "machine: on the hypervisor that replaces the hypervisor's policy with a "
                       "guest's. Run it on {}, or pass --force",
                       host.name, host.name, host.address.to_string(), host.name);
}

} // namespace phx::fw::cli

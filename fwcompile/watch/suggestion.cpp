// SPDX-License-Identifier: GPL-3.0-or-later
// The [[rule]] that would admit a dropped connection; see describe.hpp. It
// is written the way rules/phoenix.toml writes rows: a guest's outgoing
// flows in that guest's table, everything else in the global one.
#include "fwcompile/watch/describe.hpp"

#include <fmt/format.h>

namespace phx::fw::watch {
namespace {

// A TOML basic string. Host names and addresses need no escapes, but the
// inventory is not ours to trust blindly.
std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + '"';
}

// A host by name, anything else by address, as a row may name either.
std::string reference(const Inventory& inventory, const IpAddress& address) {
    if (const auto h = inventory.find_by_address(address)) return inventory.hosts[*h].name;
    return address.to_string();
}

std::string service(const Packet& p) {
    const std::string protocol{to_string(p.protocol)};
    if (p.protocol == Protocol::tcp || p.protocol == Protocol::udp)
        return fmt::format("{}/{}", protocol, p.port);
    return protocol;
}

std::string comment(const std::string& source, const std::string& destination, const Packet& p) {
    std::string text = fmt::format("Allow {} to reach {} on {} (suggested by phx-fw watch)", source,
                                   destination, service(p));
    // nftables keeps at most kMaxCommentBytes of a comment; the loader refuses more.
    if (text.size() > kMaxCommentBytes) text = fmt::format("Allow {} (phx-fw watch)", service(p));
    return text;
}

} // namespace

std::string suggest_rule(const RuleSet& rules, const Packet& packet) {
    const Inventory& inventory = rules.inventory;
    const auto source_host = inventory.find_by_address(packet.source);
    const bool from_guest = source_host && *source_host != kHypervisor;
    const std::string source = reference(inventory, packet.source);
    const std::string destination = reference(inventory, packet.destination);
    std::string out = "[[rule]]\n";
    out += fmt::format("scope = {}\n", quoted(from_guest ? source : "global"));
    out += fmt::format("direction = \"{}\"\n", from_guest ? "out" : "in");
    out += "action = \"accept\"\n";
    out += fmt::format("source = {}\n", quoted(source));
    out += fmt::format("destination = {}\n", quoted(destination));
    out += fmt::format("protocol = \"{}\"\n", to_string(packet.protocol));
    if (packet.protocol == Protocol::tcp || packet.protocol == Protocol::udp)
        out += fmt::format("ports = {}\n", packet.port);
    out += fmt::format("comment = {}\n", quoted(comment(source, destination, packet)));
    return out;
}

} // namespace phx::fw::watch

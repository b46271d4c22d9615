// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the inventory's reverse zone; see zone_file.hpp.
#include "fwcompile/views/zone_file.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace phx::fw {
namespace {

// RFC 1035 section 2.3.4: 63 bytes a label, 255 a name on the wire, which
// leaves 253 characters for its text without the final dot.
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 253;
constexpr int kTtl = 300; // as the forward zone, zones/internal.thinkheads.ai.zone

bool host_label(std::string_view label) {
    if (label.empty() || label.size() > kMaxLabel || label.front() == '-' || label.back() == '-')
        return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
}

// A host name (RFC 1123 labels) without its final dot; "" if it is not one.
std::string domain_name(std::string_view text) {
    if (!text.empty() && text.back() == '.') text.remove_suffix(1);
    if (text.empty() || text.size() > kMaxName) return {};
    for (std::size_t start = 0; start <= text.size();) {
        const auto end = std::min(text.find('.', start), text.size());
        if (!host_label(text.substr(start, end - start))) return {};
        start = end + 1;
    }
    return std::string{text};
}

// The owner name of `address` relative to the origin: "12" in a /24.
std::string relative_owner(const IpAddress& address, unsigned prefix) {
    std::vector<std::string> labels;
    for (std::size_t i = 4; i-- > prefix / 8;) labels.push_back(std::to_string(address.bytes[i]));
    return fmt::format("{}", fmt::join(labels, "."));
}

std::string kind_comment(const Host& host) {
    switch (host.kind) {
    case HostKind::hypervisor:
        return "the Proxmox host";
    case HostKind::lxc:
        return fmt::format("LXC {}", host.id.value_or(0));
    case HostKind::vm:
        return fmt::format("VM {}", host.id.value_or(0));
    }
    return {};
}

std::uint32_t fnv1a(std::string_view text) {
    std::uint32_t hash = 2166136261u;
    for (const char c : text) {
        hash ^= static_cast<std::uint8_t>(c);
        hash *= 16777619u;
    }
    return hash == 0 ? 1 : hash; // 0 reads as "no serial" to some tools
}

struct Names {
    std::string domain, nameserver, hostmaster;
};

std::optional<Names> names_of(const ZoneOptions& options, std::vector<std::string>& errors) {
    Names n{domain_name(options.domain), {}, {}};
    if (n.domain.empty()) {
        errors.push_back(fmt::format("--domain '{}' is not a domain name (letters, digits and "
                                     "hyphens in labels of up to 63, separated by dots)",
                                     options.domain));
        return std::nullopt;
    }
    n.nameserver = domain_name(options.nameserver.empty() ? "ns1." + n.domain : options.nameserver);
    if (n.nameserver.empty()) {
        errors.push_back(fmt::format("--nameserver '{}' is not a host name", options.nameserver));
        return std::nullopt;
    }
    n.hostmaster = "hostmaster." + n.domain;
    return n;
}

// The NS and PTR records, hosts sorted by address.
std::string records(const Inventory& inventory, const Names& names, unsigned prefix,
                    ReverseZone& zone, std::vector<std::string>& errors) {
    std::vector<const Host*> hosts;
    for (const auto& host : inventory.hosts) {
        if (inventory.networks.front().contains(host.address))
            hosts.push_back(&host);
        else
            zone.warnings.push_back(fmt::format("{} ({}) is outside {}: no PTR record for it",
                                                host.name, host.address.to_string(),
                                                inventory.networks.front().to_string()));
    }
    std::sort(hosts.begin(), hosts.end(),
              [](const Host* a, const Host* b) { return a->address < b->address; });
    zone.pointers = hosts.size();
    std::string out = fmt::format("{:<8} IN  NS   {}.\n\n", "", names.nameserver);
    for (const Host* host : hosts) {
        const std::string target = fmt::format("{}.{}", host->name, names.domain);
        if (target.size() > kMaxName)
            errors.push_back(fmt::format("{} is longer than a domain name may be", target));
        out += fmt::format("{:<8} IN  PTR  {:<40} ; {}\n", relative_owner(host->address, prefix),
                           target + ".", kind_comment(*host));
    }
    return out;
}

} // namespace

std::optional<std::string> reverse_origin(const Cidr& network) {
    if (network.address.family != IpFamily::v4) return std::nullopt;
    if (network.prefix != 8 && network.prefix != 16 && network.prefix != 24) return std::nullopt;
    const IpAddress base = network.network();
    std::vector<std::string> labels;
    for (std::size_t i = network.prefix / 8; i-- > 0;)
        labels.push_back(std::to_string(base.bytes[i]));
    return fmt::format("{}.in-addr.arpa.", fmt::join(labels, "."));
}

ZoneResult reverse_zone(const Inventory& inventory, const ZoneOptions& options) {
    ZoneResult result;
    const auto origin = reverse_origin(inventory.networks.front());
    if (!origin)
        result.errors.push_back(fmt::format(
            "the guest network {} has no reverse zone of its own: phx-fw writes reverse zones "
            "for IPv4 networks of prefix length /8, /16 or /24 (an octet boundary) only",
            inventory.networks.front().to_string()));
    const auto names = names_of(options, result.errors);
    if (!result.errors.empty()) return result;
    ReverseZone zone;
    zone.origin = *origin;
    const std::string body =
        records(inventory, *names, inventory.networks.front().prefix, zone, result.errors);
    if (!result.errors.empty()) return result;
    const std::string soa_data = fmt::format("{} {}. {}. 3600 900 1209600 {}\n", zone.origin,
                                             names->nameserver, names->hostmaster, kTtl);
    zone.serial = fnv1a(soa_data + body);
    zone.text = fmt::format(
        "; {origin}: the reverse zone of the hosts in {source},\n"
        "; written by `phx-fw zone`. Do not edit: change the inventory and run it again.\n"
        "$ORIGIN {origin}\n"
        "$TTL {ttl}\n\n"
        "@        IN  SOA  {ns}. {hostmaster}. (\n"
        "                 {serial:<10} ; serial: a hash of the records, so it changes with them\n"
        "                 3600       ; refresh\n"
        "                 900        ; retry\n"
        "                 1209600    ; expire\n"
        "                 {ttl:<10} ) ; minimum: TTL of negative answers (RFC 2308)\n"
        "{body}",
        fmt::arg("origin", zone.origin), fmt::arg("source", options.source), fmt::arg("ttl", kTtl),
        fmt::arg("ns", names->nameserver), fmt::arg("hostmaster", names->hostmaster),
        fmt::arg("serial", zone.serial), fmt::arg("body", body));
    result.zone = std::move(zone);
    return result;
}

} // namespace phx::fw

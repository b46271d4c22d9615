// SPDX-License-Identifier: GPL-3.0-or-later
// Host names and reverse zones from the inventory. Records are made as the
// scanner would have made them from a zone file (ScannedRecord, positions
// in the rules file), so they go through the same validation as any zone.
#include "dnsd/zone/inventory_zones.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/zone/zone_build.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <functional>

namespace phx::dns {
namespace {

std::string text_of(std::string_view wire_name) {
    return wire::name_to_text(wire::bytes_of(wire_name));
}

// Wire form of an absolute presentation name we made ourselves.
std::string wire_of(const std::string& text) {
    auto name = wire::Name::from_text(text);
    return name ? std::string{name->view()} : std::string{};
}

std::string lower_wire_of(const std::string& text) {
    auto name = wire::Name::from_text(text);
    if (!name) return {};
    name->to_lower();
    return std::string{name->view()};
}

ScannedRecord make_record(const std::string& owner_text, RrType type, std::uint32_t ttl,
                          std::string rdata, const SourcePos& at) {
    return {wire_of(owner_text),
            lower_wire_of(owner_text),
            type,
            to_u16(RrClass::in),
            ttl,
            std::move(rdata),
            at};
}

constexpr char kHex[] = "0123456789abcdef";

// The labels of the first `bits` bits of an address, most specific first:
// "0.0.10" for 10.0.0.0 at 24 bits, nibbles for IPv6.
std::string reverse_labels(const IpAddress& a, unsigned bits) {
    std::string out;
    if (a.family == IpFamily::v4) {
        for (unsigned octet = bits / 8; octet-- > 0;)
            out += fmt::format("{}{}", a.bytes[octet], octet > 0 ? "." : "");
        return out;
    }
    for (unsigned nibble = bits / 4; nibble-- > 0;) {
        const std::uint8_t byte = a.bytes[nibble / 2];
        out += kHex[nibble % 2 == 0 ? byte >> 4 : byte & 0x0f];
        if (nibble > 0) out += '.';
    }
    return out;
}

std::string reverse_suffix(IpFamily family) {
    return family == IpFamily::v4 ? "in-addr.arpa." : "ip6.arpa.";
}

// `a` with `value` written into the `width` bits that start at bit `from`.
IpAddress with_bits(IpAddress a, unsigned from, unsigned width, std::uint32_t value) {
    for (unsigned i = 0; i < width; ++i) {
        const unsigned bit = from + i;
        const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
        if (value >> (width - 1 - i) & 1u)
            a.bytes[bit / 8] |= mask;
        else
            a.bytes[bit / 8] &= static_cast<std::uint8_t>(~mask);
    }
    return a;
}

// The SOA and NS of `forward`, moved to `origin`.
std::vector<ScannedRecord> apex_records(const Zone& forward, const std::string& origin,
                                        const SourcePos& at) {
    std::vector<ScannedRecord> out;
    const RrSet& soa = forward.soa();
    out.push_back(make_record(origin, RrType::soa, soa.ttl, std::string{soa.rdata.front()}, at));
    if (const RrSet* ns = forward.apex().find(RrType::ns))
        for (const auto& rdata : ns->rdata)
            out.push_back(make_record(origin, RrType::ns, ns->ttl, std::string{rdata}, at));
    return out;
}

} // namespace

std::string host_name_text(const InventoryNames& names, inventory::HostIndex h) {
    const std::string& host = names.inventory.hosts.at(h).name;
    return names.label.empty() ? fmt::format("{}.{}", host, names.zone_text)
                               : fmt::format("{}.{}.{}", host, names.label, names.zone_text);
}

std::vector<ScannedRecord> host_records(const InventoryNames& names) {
    std::vector<ScannedRecord> out;
    const auto& hosts = names.inventory.hosts;
    for (inventory::HostIndex h = 0; h < hosts.size(); ++h) {
        const IpAddress& a = hosts[h].address;
        const RrType type = a.family == IpFamily::v4 ? RrType::a : RrType::aaaa;
        std::string rdata(reinterpret_cast<const char*>(a.bytes.data()), a.size());
        out.push_back(
            make_record(host_name_text(names, h), type, names.ttl, std::move(rdata), hosts[h].at));
    }
    return out;
}

std::uint64_t inventory_digest(const InventoryNames& names) {
    std::string all;
    for (const auto& r : host_records(names)) {
        all += r.owner;
        all += r.rdata;
        all += fmt::format("/{}/", r.ttl);
    }
    return std::hash<std::string>{}(all);
}

bool check_host_names_free(const InventoryNames& names, const ZoneBuilder& zone,
                           Diagnostics& diag) {
    struct Owned {
        std::string name; // lower-case wire
        std::string text;
        SourcePos at;
    };
    std::vector<Owned> owned;
    const auto& hosts = names.inventory.hosts;
    for (inventory::HostIndex h = 0; h < hosts.size(); ++h) {
        const std::string text = host_name_text(names, h);
        owned.push_back({lower_wire_of(text), text, hosts[h].at});
    }
    const std::string label_name =
        names.label.empty() ? std::string{} : lower_wire_of(names.label + "." + names.zone_text);
    bool free = true;
    zone.for_each([&](const AcceptedRecord& r) {
        if (!label_name.empty() && r.owner_lower == label_name &&
            (r.type == RrType::ns || r.type == RrType::cname)) {
            diag.error(r.at, fmt::format("{} {} would hide the inventory's host names under it "
                                         "(they come from {}; see [inventory] label)",
                                         text_of(r.owner), type_name(r.type), names.file));
            free = false;
            return;
        }
        for (const auto& o : owned) {
            if (!wire::is_subdomain(r.owner_lower, o.name)) continue;
            diag.error(r.at,
                       fmt::format("{} is a host name from the inventory ({}); the zone file may "
                                   "not define it or names below it",
                                   text_of(r.owner), o.at.to_string()));
            free = false;
            break;
        }
    });
    return free;
}

void check_addresses_known(const InventoryNames& names, const ZoneBuilder& zone,
                           Diagnostics& diag) {
    zone.for_each([&](const AcceptedRecord& r) {
        IpAddress a;
        if (r.type == RrType::a && r.rdata.size() == 4)
            a.family = IpFamily::v4;
        else if (r.type == RrType::aaaa && r.rdata.size() == 16)
            a.family = IpFamily::v6;
        else
            return;
        std::copy(r.rdata.begin(), r.rdata.end(), a.bytes.begin());
        if (!names.inventory.in_network(a) || names.inventory.find_by_address(a)) return;
        diag.warning(r.at, fmt::format("{} points at {}, in the inventory's network, but no host "
                                       "of {} has that address",
                                       text_of(r.owner), a.to_string(), names.file));
    });
}

std::vector<std::string> reverse_origins(const Cidr& network) {
    const bool v4 = network.address.family == IpFamily::v4;
    const unsigned step = v4 ? 8 : 4;
    const unsigned shortest = step;
    const unsigned longest = v4 ? 24 : 124;
    const unsigned rounded = (network.prefix + step - 1) / step * step;
    const unsigned boundary = std::clamp(rounded, shortest, longest);
    const IpAddress base = network.network();
    std::vector<std::string> out;
    if (boundary <= network.prefix) {
        out.push_back(reverse_labels(base, boundary) + "." + reverse_suffix(base.family));
        return out;
    }
    const unsigned width = boundary - network.prefix; // at most 8 bits
    for (std::uint32_t i = 0; i < (1u << width); ++i) {
        const IpAddress a = with_bits(base, network.prefix, width, i);
        out.push_back(reverse_labels(a, boundary) + "." + reverse_suffix(a.family));
    }
    return out;
}

std::string reverse_name(const IpAddress& address) {
    return reverse_labels(address, address.max_prefix()) + "." + reverse_suffix(address.family);
}

std::optional<std::vector<std::shared_ptr<const Zone>>>
reverse_zones(const InventoryNames& names, const Zone& forward, Diagnostics& diag) {
    struct Pending {
        std::string origin_text;
        std::string origin; // lower-case wire
        std::vector<ScannedRecord> records;
    };
    std::vector<Pending> pending;
    const SourcePos file_pos{names.file};
    for (const Cidr& network : names.inventory.networks) {
        for (auto& origin_text : reverse_origins(network)) {
            std::string origin = lower_wire_of(origin_text);
            // Two networks in one /24 share its zone.
            if (std::any_of(pending.begin(), pending.end(),
                            [&](const Pending& p) { return p.origin == origin; }))
                continue;
            auto records = apex_records(forward, origin_text, file_pos);
            pending.push_back({std::move(origin_text), std::move(origin), std::move(records)});
        }
    }
    const auto& hosts = names.inventory.hosts;
    for (inventory::HostIndex h = 0; h < hosts.size(); ++h) {
        const std::string owner = reverse_name(hosts[h].address);
        const std::string owner_lower = lower_wire_of(owner);
        Pending* zone = nullptr;
        for (auto& p : pending)
            if (wire::is_subdomain(owner_lower, p.origin) &&
                (!zone || p.origin.size() > zone->origin.size()))
                zone = &p;
        if (!zone) continue; // outside every network: the inventory loader reports that
        zone->records.push_back(make_record(owner, RrType::ptr, names.ttl,
                                            wire_of(host_name_text(names, h)), hosts[h].at));
    }
    std::vector<std::shared_ptr<const Zone>> out;
    const std::size_t errors_before = diag.error_count();
    for (auto& p : pending) {
        auto zone = build_zone(p.origin, names.file, p.records, diag);
        if (zone) out.push_back(std::move(zone));
    }
    if (diag.error_count() > errors_before) return std::nullopt;
    return out;
}

} // namespace phx::dns

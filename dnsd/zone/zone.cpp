// SPDX-License-Identifier: GPL-3.0-or-later
// Zone lookups. The loader has already checked the invariants the
// constructor relies on (an apex with exactly one SOA).
#include "dnsd/zone/zone.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <cassert>

namespace phx::dns {

const RrSet* Node::find(RrType type) const noexcept {
    for (const auto& set : rrsets)
        if (set.type == type) return &set;
    return nullptr;
}

Zone::Zone(std::string origin, std::string file, NodeMap nodes)
    : origin_{std::move(origin)}, file_{std::move(file)}, nodes_{std::move(nodes)} {
    apex_ = find(origin_);
    assert(apex_ != nullptr);
    soa_ = apex_->find(RrType::soa);
    assert(soa_ != nullptr && soa_->rdata.size() == 1);
    // SOA rdata ends with SERIAL REFRESH RETRY EXPIRE MINIMUM, 4 bytes each.
    const std::string& rdata = soa_->rdata.front();
    const auto u32_at = [&](std::size_t from_end) {
        const auto* p =
            reinterpret_cast<const std::uint8_t*>(rdata.data() + rdata.size() - from_end);
        return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
               p[3];
    };
    serial_ = u32_at(20);
    negative_ttl_ = std::min(soa_->ttl, u32_at(4));
}

const Node* Zone::find(std::string_view name) const noexcept {
    const auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
}

std::size_t Zone::record_count() const noexcept {
    std::size_t n = 0;
    for (const auto& [name, node] : nodes_)
        for (const auto& set : node.rrsets) n += set.rdata.size();
    return n;
}

const Zone* ZoneSet::find(std::string_view name) const noexcept {
    const Zone* best = nullptr;
    for (const auto& zone : zones_) {
        if (!wire::is_subdomain(name, zone->origin())) continue;
        if (!best || zone->origin().size() > best->origin().size()) best = zone.get();
    }
    return best;
}

} // namespace phx::dns

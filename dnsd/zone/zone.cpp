// SPDX-License-Identifier: GPL-3.0-or-later
// Zone lookups. The loader has already checked the invariants the
// constructor relies on (an apex with exactly one SOA).
#include "dnsd/zone/zone.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <array>
#include <cassert>

namespace phx::dns {
namespace {

// SOA rdata ends with SERIAL REFRESH RETRY EXPIRE MINIMUM, 4 bytes each.
constexpr std::size_t kSerialFromEnd = 20;
constexpr std::size_t kMinimumFromEnd = 4;

std::uint32_t u32_from_end(std::string_view rdata, std::size_t from_end) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(rdata.data() + rdata.size() - from_end);
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

} // namespace

const RrSet* Node::find(RrType type) const noexcept {
    for (const auto& set : rrsets)
        if (set.type == type) return &set;
    return nullptr;
}

Zone::Zone(std::string origin, std::string file, NodeMap nodes,
           std::shared_ptr<const ZoneStorage> storage, std::uint64_t inputs)
    : origin_{std::move(origin)}, file_{std::move(file)}, nodes_{std::move(nodes)},
      record_count_{storage->rdata.size()}, // every rdata of the storage is this zone's
      inputs_{inputs} {
    storage_.push_back(std::move(storage));
    index_apex();
}

Zone::Zone(const Zone& base, std::uint32_t serial)
    : origin_{base.origin_}, file_{base.file_}, nodes_{base.nodes_}, storage_{base.storage_} {
    // Only the SOA differs: a small storage of its own holds the new SOA
    // rdata and a copy of the apex's RRsets that points at it.
    auto patch = std::make_shared<ZoneStorage>();
    Node& apex = nodes_.at(origin_);
    std::string soa{base.soa().rdata.front()};
    const std::array<char, 4> bytes{static_cast<char>(serial >> 24), static_cast<char>(serial >> 16),
                                    static_cast<char>(serial >> 8), static_cast<char>(serial)};
    std::copy(bytes.begin(), bytes.end(), soa.end() - static_cast<std::ptrdiff_t>(kSerialFromEnd));
    patch->rdata.push_back(patch->bytes.store(soa));
    patch->rrsets.assign(apex.rrsets.begin(), apex.rrsets.end());
    for (auto& set : patch->rrsets)
        if (set.type == RrType::soa) set.rdata = {patch->rdata.data(), 1};
    apex.rrsets = patch->rrsets;
    storage_.push_back(std::move(patch));
    index_apex();
    record_count_ = base.record_count_;
    inputs_ = base.inputs_;
}

void Zone::index_apex() {
    apex_ = find(origin_);
    assert(apex_ != nullptr);
    soa_ = apex_->find(RrType::soa);
    assert(soa_ != nullptr && soa_->rdata.size() == 1);
    const std::string_view rdata = soa_->rdata.front();
    serial_ = u32_from_end(rdata, kSerialFromEnd);
    negative_ttl_ = std::min(soa_->ttl, u32_from_end(rdata, kMinimumFromEnd));
}

const Node* Zone::find(std::string_view name) const noexcept {
    const auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
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

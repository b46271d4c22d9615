// SPDX-License-Identifier: GPL-3.0-or-later
// Differences between zone versions, and condensing a chain of them.
#include "dnsd/xfr/journal.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <map>

namespace phx::dns::xfr {
namespace {

StoredRecord stored(const Node& node, const RrSet& set, std::string_view rdata) {
    return {std::string{node.owner}, set.type, set.ttl, std::string{rdata}};
}

StoredRecord soa_of(const Zone& zone) {
    return stored(zone.apex(), zone.soa(), zone.soa().rdata.front());
}

// The rdata views point into the zone's storage, which outlives this call.
std::vector<std::string_view> sorted(std::span<const std::string_view> rdata) {
    std::vector<std::string_view> v(rdata.begin(), rdata.end());
    std::sort(v.begin(), v.end());
    return v;
}

// What changed in one RRset: `before` or `after` may be null (absent).
void compare(const Node* old_node, const RrSet* before, const Node* new_node, const RrSet* after,
             Difference& d) {
    if (before && after && before->ttl == after->ttl) {
        const auto a = sorted(before->rdata);
        const auto b = sorted(after->rdata);
        std::vector<std::string_view> gone, come;
        std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(gone));
        std::set_difference(b.begin(), b.end(), a.begin(), a.end(), std::back_inserter(come));
        for (const auto& r : gone) d.removed.push_back(stored(*old_node, *before, r));
        for (const auto& r : come) d.added.push_back(stored(*new_node, *after, r));
        return;
    }
    if (before)
        for (const auto& r : before->rdata) d.removed.push_back(stored(*old_node, *before, r));
    if (after)
        for (const auto& r : after->rdata) d.added.push_back(stored(*new_node, *after, r));
}

// Every RRset of `node` against the same type at `other` (which may be null).
void compare_nodes(const Node* old_node, const Node* new_node, Difference& d) {
    if (old_node)
        for (const auto& set : old_node->rrsets) {
            if (set.type == RrType::soa) continue;
            compare(old_node, &set, new_node, new_node ? new_node->find(set.type) : nullptr, d);
        }
    if (new_node)
        for (const auto& set : new_node->rrsets) {
            if (set.type == RrType::soa || (old_node && old_node->find(set.type))) continue;
            compare(old_node, nullptr, new_node, &set, d);
        }
}

// Identity of a record for condensing: the owner's case does not matter.
std::string identity(const StoredRecord& r) {
    std::string key = r.owner;
    for (char& c : key) c = static_cast<char>(wire::lower(static_cast<std::uint8_t>(c)));
    const auto type = to_u16(r.type);
    key += static_cast<char>(type >> 8);
    key += static_cast<char>(type);
    for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>(r.ttl >> shift);
    key += r.rdata;
    return key;
}

} // namespace

std::size_t Difference::bytes() const noexcept {
    constexpr std::size_t kPerRecord = sizeof(StoredRecord) + 32; // two strings' heap overhead
    std::size_t n = sizeof(Difference) + 2 * kPerRecord;
    for (const auto* list : {&removed, &added})
        for (const auto& r : *list) n += kPerRecord + r.owner.size() + r.rdata.size();
    return n;
}

Difference difference(const Zone& before, const Zone& after) {
    Difference d;
    d.from_soa = soa_of(before);
    d.to_soa = soa_of(after);
    d.from_serial = before.serial();
    d.to_serial = after.serial();
    for_each_difference(before, after,
                        [&](std::string_view, const Node* old_node, const Node* new_node) {
                            compare_nodes(old_node, new_node, d);
                        });
    return d;
}

std::shared_ptr<const Journal> Journal::extended(std::shared_ptr<const Difference> next,
                                                 std::size_t max_versions,
                                                 std::size_t max_bytes) const {
    auto j = std::make_shared<Journal>();
    const bool chained =
        !differences_.empty() && differences_.back()->to_serial == next->from_serial;
    if (chained) {
        j->differences_ = differences_;
        j->bytes_ = bytes_;
    }
    j->bytes_ += next->bytes();
    j->differences_.push_back(std::move(next));
    std::size_t drop = 0;
    while (drop < j->differences_.size() &&
           (j->differences_.size() - drop > max_versions || j->bytes_ > max_bytes))
        j->bytes_ -= j->differences_[drop++]->bytes();
    j->differences_.erase(j->differences_.begin(),
                          j->differences_.begin() + static_cast<std::ptrdiff_t>(drop));
    return j;
}

std::optional<std::uint32_t> Journal::newest_serial() const noexcept {
    if (differences_.empty()) return std::nullopt;
    return differences_.back()->to_serial;
}

std::optional<Difference> Journal::since(std::uint32_t serial) const {
    auto it = std::find_if(differences_.begin(), differences_.end(),
                           [&](const auto& d) { return d->from_serial == serial; });
    if (it == differences_.end()) return std::nullopt;
    // Apply each difference to the net change so far: removing what an
    // earlier one added cancels out, and so does adding back what it removed.
    std::map<std::string, StoredRecord> removed, added;
    Difference out;
    out.from_soa = (*it)->from_soa;
    out.from_serial = serial;
    for (; it != differences_.end(); ++it) {
        for (const auto& r : (*it)->removed) {
            auto key = identity(r);
            if (added.erase(key) == 0) removed.emplace(std::move(key), r);
        }
        for (const auto& r : (*it)->added) {
            auto key = identity(r);
            if (removed.erase(key) == 0) added.emplace(std::move(key), r);
        }
        out.to_soa = (*it)->to_soa;
        out.to_serial = (*it)->to_serial;
    }
    for (auto& [key, r] : removed) out.removed.push_back(std::move(r));
    for (auto& [key, r] : added) out.added.push_back(std::move(r));
    return out;
}

} // namespace phx::dns::xfr

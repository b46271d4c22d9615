// SPDX-License-Identifier: GPL-3.0-or-later
// Building the next version of a served zone from what changed.
#include "dnsd/zone/zone_update.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <unordered_set>

namespace phx::dns {
namespace {

// Past this share of the zone's names, sharing saves little and a full
// build is simpler to trust: the update gives up.
constexpr std::size_t kMaxChangedShareDivisor = 8;
constexpr std::size_t kMaxChangedFloor = 64;
// Each update adds a storage, and what earlier updates stored stays until
// the zone is built whole again: past this share of the whole zone's
// storage, or this many storages, the next reload does that.
constexpr std::size_t kMaxAddedStorageDivisor = 8;
constexpr std::size_t kAddedStorageFloor = std::size_t{1} << 20;
constexpr std::size_t kMaxStorages = 256;

// All records of one type a changed name will hold.
struct Gathered {
    RrType type{};
    std::uint32_t ttl = 0;
    std::vector<std::string_view> rdata;
};

struct Rebuilt {
    std::string_view name;  // lower case, stable
    std::string_view owner; // case as written, stable
    std::vector<Gathered> sets;
    bool existed = false;
};

bool has_type(const std::vector<Gathered>& sets, RrType type) {
    return std::any_of(sets.begin(), sets.end(), [&](const Gathered& g) { return g.type == type; });
}

bool has_address(const Node& node) {
    return node.find(RrType::a) != nullptr || node.find(RrType::aaaa) != nullptr;
}

using NameSet = std::unordered_set<std::string_view, NameHash, std::equal_to<>>;

// An NS record's target (its rdata is the name, uncompressed), lower case.
std::string_view target_of(std::string_view ns_rdata, std::array<char, 256>& buffer) {
    return lower_wire_into(ns_rdata, buffer);
}

// What a full build of the new version would warn about, that the names
// rebuilt could have caused: data below a delegation, an apex name server
// in the zone without an address, a name server whose name lost its
// addresses. nullptr when nothing.
const char* warned_by_full_build(const Zone& zone, const Zone& served,
                                 const std::vector<Rebuilt>& rebuilt) {
    const std::string& origin = zone.origin();
    std::array<char, 256> buffer;
    for (const Rebuilt& r : rebuilt) {
        if (r.sets.empty()) continue;
        for (auto up = wire::parent_of(r.name); up.size() > origin.size(); up = wire::parent_of(up))
            if (const Node* n = zone.find(up); n && n->find(RrType::ns))
                return "a name below a delegation changed";
        if (r.name != origin) continue;
        for (const auto& target : zone.apex().find(RrType::ns)->rdata) {
            const std::string_view name = target_of(target, buffer);
            if (!wire::is_subdomain(name, origin)) continue;
            const Node* server = zone.find(name);
            if (!server || !has_address(*server)) return "an apex name server without an address";
        }
    }
    NameSet lost;
    for (const Rebuilt& r : rebuilt)
        if (r.existed && has_address(*served.find(r.name)) && !has_type(r.sets, RrType::a) &&
            !has_type(r.sets, RrType::aaaa))
            lost.insert(r.name);
    if (lost.empty()) return nullptr;
    bool served_by_lost = false;
    zone.for_each_node([&](std::string_view, const Node& node) {
        const RrSet* ns = node.find(RrType::ns);
        if (!ns || served_by_lost) return;
        for (const auto& target : ns->rdata)
            if (lost.contains(target_of(target, buffer))) served_by_lost = true;
    });
    return served_by_lost ? "a name server's name lost its addresses" : nullptr;
}

} // namespace

ZoneUpdate::ZoneUpdate(std::shared_ptr<const Zone> served, std::uint64_t inputs,
                       std::uint64_t checked_with)
    : served_{std::move(served)}, inputs_{inputs}, checked_with_{checked_with} {
    std::size_t bits = 0;
    for (const auto& storage : served_->storages()) {
        spans_.push_back({storage->rdata.data(), storage->rdata.size(), bits});
        bits += storage->rdata.size();
    }
    seen_.assign(bits, false);
    node_budget_ = served_->node_count() / kMaxChangedShareDivisor + kMaxChangedFloor;
    std::size_t added = 0;
    for (std::size_t i = 1; i < served_->storages().size(); ++i)
        added += served_->storages()[i]->footprint();
    const std::size_t whole = served_->storages().front()->footprint();
    if (served_->storages().size() >= kMaxStorages ||
        added > whole / kMaxAddedStorageDivisor + kAddedStorageFloor)
        give_up("the zone has been updated in place many times");
}

std::nullptr_t ZoneUpdate::give_up(std::string why) {
    if (why_not_.empty()) why_not_ = std::move(why);
    changes_.clear(); // nothing more is needed: free it now
    return nullptr;
}

std::size_t ZoneUpdate::bit_of(const std::string_view* rdata) const noexcept {
    const std::less<const std::string_view*> before;
    for (const Span& s : spans_)
        if (!before(rdata, s.begin) && before(rdata, s.begin + s.size))
            return s.first_bit + static_cast<std::size_t>(rdata - s.begin);
    return seen_.size(); // not reached: every rdata a node points at is in a storage
}

bool ZoneUpdate::seen_any(const Node& node) const {
    for (const auto& set : node.rrsets)
        for (const auto& rdata : set.rdata)
            if (seen_[bit_of(&rdata)]) return true;
    return false;
}

ZoneUpdate::Change& ZoneUpdate::change_at(std::string_view lower) {
    if (auto it = changes_.find(lower); it != changes_.end()) return it->second;
    return changes_.try_emplace(storage_->bytes.store(lower)).first->second;
}

bool ZoneUpdate::too_many_changes() const noexcept {
    return changes_.size() > node_budget_;
}

void ZoneUpdate::add(const RecordRef& r) {
    if (!why_not_.empty()) return;
    std::array<char, 256> buffer;
    const std::string_view lower = lower_wire_into(r.owner, buffer);
    if (unacceptable(r, lower, served_->origin())) {
        give_up("a record the zone may not hold");
        return;
    }
    const Node* old = served_->find(lower);
    if (old) {
        // The owner's case is the one its first record was written with.
        if (!changes_.contains(lower) && !seen_any(*old) && r.owner != old->owner)
            change_at(lower).owner = storage_->bytes.store(r.owner);
        const RrSet* set = old->find(r.type);
        if (set && set->ttl == r.ttl) {
            const auto it = std::find(set->rdata.begin(), set->rdata.end(), r.rdata);
            if (it != set->rdata.end()) {
                const std::size_t bit = bit_of(&*it);
                if (seen_[bit]) {
                    give_up("a duplicate record");
                    return;
                }
                seen_[bit] = true;
                ++matched_;
                return;
            }
        }
    }
    Change& change = change_at(lower);
    if (!old && change.owner.empty()) change.owner = storage_->bytes.store(r.owner);
    for (const Added& a : change.added)
        if (a.type == r.type && a.rdata == r.rdata) {
            give_up("a duplicate record");
            return;
        }
    change.added.push_back({r.type, r.ttl, storage_->bytes.store(r.rdata), r.at});
    ++added_;
    if (too_many_changes()) give_up("too many names changed");
}

void ZoneUpdate::for_each(const std::function<void(const AcceptedRecord&)>& visit) const {
    for (const auto& [name, change] : changes_) {
        const Node* old = served_->find(name);
        const std::string_view owner = change.owner.empty() && old ? old->owner : change.owner;
        for (const Added& a : change.added) visit({owner, name, a.type, a.rdata, a.at});
    }
}

std::shared_ptr<const Zone> ZoneUpdate::finish() && {
    if (!why_not_.empty()) return nullptr;
    // Names with a record the file no longer has.
    served_->for_each_node([&](std::string_view name, const Node& node) {
        if (!why_not_.empty() || changes_.contains(name)) return;
        for (const auto& set : node.rrsets)
            for (const auto& rdata : set.rdata)
                if (!seen_[bit_of(&rdata)]) {
                    changes_.try_emplace(name); // a key of the served zone: stable
                    if (too_many_changes()) give_up("too many names changed");
                    return;
                }
    });
    if (!why_not_.empty()) return nullptr;
    const std::string& origin = served_->origin();

    // What each changed name holds now: its old records still in the file,
    // then the new ones, RRsets by type as a full build orders them.
    std::vector<Rebuilt> rebuilt;
    rebuilt.reserve(changes_.size());
    std::size_t rrset_total = 0;
    std::size_t rdata_total = 0;
    for (const auto& [name, change] : changes_) {
        const Node* old = served_->find(name);
        Rebuilt r{name, change.owner.empty() ? old->owner : change.owner, {}, old != nullptr};
        if (old)
            for (const auto& set : old->rrsets) {
                Gathered g{set.type, set.ttl, {}};
                for (const auto& rdata : set.rdata)
                    if (seen_[bit_of(&rdata)]) g.rdata.push_back(rdata);
                if (!g.rdata.empty()) r.sets.push_back(std::move(g));
            }
        for (const Added& a : change.added) {
            auto it = std::find_if(r.sets.begin(), r.sets.end(),
                                   [&](const Gathered& g) { return g.type == a.type; });
            if (it == r.sets.end()) {
                r.sets.push_back({a.type, a.ttl, {a.rdata}});
                continue;
            }
            if (it->ttl != a.ttl) return give_up("records of one RRset with different TTLs");
            it->rdata.push_back(a.rdata);
        }
        std::sort(r.sets.begin(), r.sets.end(), [](const Gathered& a, const Gathered& b) {
            return to_u16(a.type) < to_u16(b.type);
        });
        const bool apex = name == origin;
        if (has_type(r.sets, RrType::cname)) {
            const bool alone = std::all_of(r.sets.begin(), r.sets.end(), [](const Gathered& g) {
                return g.type == RrType::cname || g.type == RrType::rrsig || g.type == RrType::nsec;
            });
            const auto cname = std::find_if(r.sets.begin(), r.sets.end(), [](const Gathered& g) {
                return g.type == RrType::cname;
            });
            if (!alone || cname->rdata.size() > 1) return give_up("a CNAME beside other data");
        }
        if (!apex && (has_type(r.sets, RrType::ns) || (old && old->find(RrType::ns))))
            return give_up("a delegation changed");
        if (apex) {
            const auto soa = std::find_if(r.sets.begin(), r.sets.end(),
                                          [](const Gathered& g) { return g.type == RrType::soa; });
            if (soa == r.sets.end() || soa->rdata.size() != 1 || !has_type(r.sets, RrType::ns))
                return give_up("the apex lost its SOA or NS records");
        }
        rrset_total += r.sets.size();
        for (const auto& g : r.sets) rdata_total += g.rdata.size();
        rebuilt.push_back(std::move(r));
    }

    // Laid out in this version's own storage, reserved exactly so that the
    // spans taken stay valid.
    storage_->rrsets.reserve(rrset_total);
    storage_->rdata.reserve(rdata_total);
    const std::shared_ptr<const Zone>& base = served_->base() ? served_->base() : served_;
    Zone::NodeMap nodes;
    if (served_->base()) nodes = served_->own_nodes();
    NameSet gone; // names left with no record: kept only as empty non-terminals
    for (const Rebuilt& r : rebuilt) {
        if (r.sets.empty()) {
            gone.insert(r.name);
            continue;
        }
        const std::size_t first_set = storage_->rrsets.size();
        for (const Gathered& g : r.sets) {
            const std::size_t first = storage_->rdata.size();
            storage_->rdata.insert(storage_->rdata.end(), g.rdata.begin(), g.rdata.end());
            storage_->rrsets.push_back(
                {g.type, g.ttl, 0,
                 std::span<const std::string_view>{storage_->rdata}.subspan(first)});
        }
        nodes.insert_or_assign(
            r.name, Node{r.owner, std::span<const RrSet>{storage_->rrsets}.subspan(first_set), 0});
    }

    // Where a name is now: this version's own nodes first, then the base's.
    const auto exists = [&](std::string_view name) {
        if (auto it = nodes.find(name); it != nodes.end()) return !it->second.removed;
        return base->own_nodes().contains(name);
    };
    const auto below_apex = [&](std::string_view name) { return name.size() > origin.size(); };

    // An empty non-terminal above a gone name may have lost its reason too.
    std::vector<std::string_view> walk(gone.begin(), gone.end());
    for (std::string_view name : walk)
        for (auto up = wire::parent_of(name); below_apex(up); up = wire::parent_of(up)) {
            const Node* old = served_->find(up);
            if (!old || !old->rrsets.empty() || changes_.contains(up) || gone.contains(up)) break;
            gone.insert(up);
        }
    if (!gone.empty()) {
        // A name stays (empty) while some name below it holds records.
        NameSet needed;
        const auto mark_ancestors = [&](std::string_view name, const Node& node) {
            if (node.rrsets.empty() || gone.contains(name)) return;
            for (auto up = wire::parent_of(name); below_apex(up); up = wire::parent_of(up))
                if (gone.contains(up)) needed.insert(up);
        };
        for (const auto& [name, node] : nodes)
            if (!node.removed) mark_ancestors(name, node);
        for (const auto& [name, node] : base->own_nodes())
            if (!nodes.contains(name)) mark_ancestors(name, node);
        for (std::string_view name : gone) {
            if (needed.contains(name))
                nodes.insert_or_assign(name, Node{served_->find(name)->owner, {}, 0});
            else if (base->own_nodes().contains(name))
                nodes.insert_or_assign(name, Node{name, {}, 0, true});
            else
                nodes.erase(name);
        }
    }
    // A new name's missing ancestors become empty non-terminals.
    for (const Rebuilt& r : rebuilt) {
        if (r.existed || r.sets.empty()) continue;
        for (auto up = wire::parent_of(r.name); below_apex(up) && !exists(up);
             up = wire::parent_of(up))
            nodes.insert_or_assign(up, Node{up, {}, 0}); // a suffix of a stable key
    }

    auto storages = served_->storages();
    storages.push_back(storage_);
    auto zone = std::make_shared<const Zone>(served_->origin(), served_->file(), std::move(nodes),
                                             base, std::move(storages), matched_ + added_,
                                             ZoneFacts{inputs_, checked_with_, true});

    if (const char* why = warned_by_full_build(*zone, *served_, rebuilt)) return give_up(why);
    if (zone->own_nodes().size() > node_budget_) return give_up("too many names changed");
    return zone;
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// An immutable, validated zone and the set of zones a server answers for.
// Built once by the loader; shared read-only between worker threads through
// shared_ptr<const ZoneSet>, so a reload swaps a pointer and nothing else.
//
// A zone is either whole (every node in its own map) or a later version of
// a whole zone: a small map of the names that changed, over the whole zone
// it shares. A one-record edit of a large zone then costs the changed names,
// not a second copy of the zone.
#pragma once

#include "dnsd/wire/types.hpp"
#include "dnsd/zone/byte_arena.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace phx::dns {

// All records of one type at one name. Rdata is kept in uncompressed wire
// form; names inside it keep the case the zone file used. The views point
// into the zone's ZoneStorage.
struct RrSet {
    RrType type{};
    std::uint32_t ttl = 0;
    std::uint32_t line = 0; // where the first record was written
    std::span<const std::string_view> rdata;
};

// The records at one owner name. A node with no RRsets is an empty
// non-terminal: it exists (so NODATA, not NXDOMAIN) but holds nothing.
struct Node {
    std::string_view owner;        // wire form, case as first written
    std::span<const RrSet> rrsets; // sorted by type
    std::uint32_t order = 0;       // first appearance in the zone's file(s)
    bool removed = false;          // in a later version: the name is gone

    [[nodiscard]] const RrSet* find(RrType type) const noexcept;
    [[nodiscard]] bool empty_non_terminal() const noexcept { return rrsets.empty(); }
};

// What a zone's views point into: every name and rdata byte in one arena,
// the rdata views and the RRsets in one array each. A zone of a million
// records is a few dozen allocations, not millions.
struct ZoneStorage {
    ByteArena bytes;
    std::vector<std::string_view> rdata;
    std::vector<RrSet> rrsets;

    [[nodiscard]] std::size_t footprint() const noexcept {
        return bytes.used() + rdata.capacity() * sizeof(std::string_view) +
               rrsets.capacity() * sizeof(RrSet);
    }
};

// Hashing over string_view so lookups with a stack buffer never allocate.
// Deliberately not noexcept: libstdc++ then keeps each node's hash beside
// it and compares hashes before names, so walking a bucket does not read
// the name bytes (in the zone's arena, another cache miss) of every node
// it passes. Loading a million-record zone was 17 % bucket walking.
struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { // NOLINT: see above
        return std::hash<std::string_view>{}(s);
    }
};

// What a zone was built from and how it went, for the next reload.
struct ZoneFacts {
    std::uint64_t inputs = 0;       // digest of files, text and hosts (0: unknown)
    std::uint64_t checked_with = 0; // digest of the inventory it was checked against
    bool clean = false;             // built without a single warning
};

class Zone {
public:
    // Keyed by the lower-case wire name, a view into the storage.
    using NodeMap = std::unordered_map<std::string_view, Node, NameHash, std::equal_to<>>;
    using Storages = std::vector<std::shared_ptr<const ZoneStorage>>;

    // A whole zone.
    Zone(std::string origin, std::string file, NodeMap nodes,
         std::shared_ptr<const ZoneStorage> storage, ZoneFacts facts = {});
    // A later version of `base`'s whole zone: `changed` holds every name
    // whose node differs from it (Node::removed for names that are gone);
    // `storages` keeps alive everything the nodes point into.
    Zone(std::string origin, std::string file, NodeMap changed, std::shared_ptr<const Zone> base,
         Storages storages, std::size_t record_count, ZoneFacts facts);
    // `base` with its SOA serial replaced; shares all of base but the apex.
    Zone(const std::shared_ptr<const Zone>& base, std::uint32_t serial);
    Zone(const Zone&) = delete; // apex_ and soa_ point into nodes_
    Zone& operator=(const Zone&) = delete;

    // Lower-case wire form of the apex.
    [[nodiscard]] const std::string& origin() const noexcept { return origin_; }
    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    // The node for a lower-case wire name, or nullptr.
    [[nodiscard]] const Node* find(std::string_view name) const noexcept;
    [[nodiscard]] const Node& apex() const noexcept { return *apex_; }
    [[nodiscard]] const RrSet& soa() const noexcept { return *soa_; }
    // RFC 2308 §5: negative answers carry min(SOA TTL, SOA MINIMUM).
    [[nodiscard]] std::uint32_t negative_ttl() const noexcept { return negative_ttl_; }
    [[nodiscard]] std::uint32_t serial() const noexcept { return serial_; }
    [[nodiscard]] std::size_t node_count() const noexcept { return node_count_; }
    [[nodiscard]] std::size_t record_count() const noexcept { return record_count_; }
    // Equal non-zero digests: the same files, text and inventory built it.
    [[nodiscard]] std::uint64_t inputs() const noexcept { return facts_.inputs; }
    [[nodiscard]] const ZoneFacts& facts() const noexcept { return facts_; }

    // Every node, each once, in no particular order: visit(lower name, node).
    template <typename Visit>
    void for_each_node(Visit&& visit) const {
        for (Cursor at{*this}; !at.done(); at.next()) visit(at.name(), at.node());
    }

    // The whole zone this one is a later version of (nullptr: it is whole),
    // and the names it holds itself: all of them, or those that changed.
    [[nodiscard]] const std::shared_ptr<const Zone>& base() const noexcept { return base_; }
    [[nodiscard]] const NodeMap& own_nodes() const noexcept { return nodes_; }
    [[nodiscard]] const Storages& storages() const noexcept { return storage_; }

    // A resumable walk over every node, each once: for_each_node, AXFR.
    class Cursor {
    public:
        explicit Cursor(const Zone& zone);
        [[nodiscard]] bool done() const noexcept { return at_ == end_; }
        [[nodiscard]] std::string_view name() const noexcept { return at_->first; }
        [[nodiscard]] const Node& node() const noexcept { return at_->second; }
        void next();

    private:
        void settle();
        const Zone& zone_;
        bool in_base_ = false;
        NodeMap::const_iterator at_;
        NodeMap::const_iterator end_;
    };

private:
    void index_apex();
    void count_nodes();

    std::string origin_;
    std::string file_;
    NodeMap nodes_;
    std::shared_ptr<const Zone> base_;
    Storages storage_;
    const Node* apex_ = nullptr;
    const RrSet* soa_ = nullptr;
    std::uint32_t negative_ttl_ = 0;
    std::size_t node_count_ = 0;
    std::size_t record_count_ = 0;
    ZoneFacts facts_;
    std::uint32_t serial_ = 0;
};

// Calls visit(name, node in a or nullptr, node in b or nullptr) for every
// name whose node differs between two zones, each name once (the nodes may
// still hold the same records). Two versions of one whole zone can differ
// only at the names either holds itself, so a one-record edit is not a walk
// of the zone; other pairs are compared name by name.
template <typename Visit> void for_each_difference(const Zone& a, const Zone& b, Visit&& visit) {
    const auto at = [&](std::string_view name) {
        const Node* in_a = a.find(name);
        const Node* in_b = b.find(name);
        if (in_a != in_b) visit(name, in_a, in_b);
    };
    const Zone* a_whole = a.base() ? a.base().get() : &a;
    const Zone* b_whole = b.base() ? b.base().get() : &b;
    if (a_whole == b_whole) {
        if (a.base())
            for (const auto& [name, node] : a.own_nodes()) at(name);
        if (b.base())
            for (const auto& [name, node] : b.own_nodes())
                if (!a.base() || !a.own_nodes().contains(name)) at(name);
        return;
    }
    a.for_each_node([&](std::string_view name, const Node&) { at(name); });
    b.for_each_node([&](std::string_view name, const Node& node) {
        if (!a.find(name)) visit(name, nullptr, &node);
    });
}

class ZoneSet {
public:
    ZoneSet() = default;
    explicit ZoneSet(std::vector<std::shared_ptr<const Zone>> zones) : zones_{std::move(zones)} {}

    // The most specific zone containing a lower-case wire name, or nullptr.
    [[nodiscard]] const Zone* find(std::string_view name) const noexcept;
    [[nodiscard]] const std::vector<std::shared_ptr<const Zone>>& zones() const noexcept {
        return zones_;
    }

private:
    std::vector<std::shared_ptr<const Zone>> zones_;
};

} // namespace phx::dns

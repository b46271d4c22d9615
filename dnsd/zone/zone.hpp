// SPDX-License-Identifier: GPL-3.0-or-later
// An immutable, validated zone and the set of zones a server answers for.
// Built once by the loader; shared read-only between worker threads through
// shared_ptr<const ZoneSet>, so a reload swaps a pointer and nothing else.
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
    std::string_view owner;         // wire form, case as first written
    std::span<const RrSet> rrsets;  // sorted by type
    std::uint32_t order = 0;        // first appearance in the zone's file(s)

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
};

// Hashing over string_view so lookups with a stack buffer never allocate.
struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

class Zone {
public:
    // Keyed by the lower-case wire name, a view into the storage.
    using NodeMap = std::unordered_map<std::string_view, Node, NameHash, std::equal_to<>>;

    // `inputs` is a digest of what the zone was built from (0: unknown).
    Zone(std::string origin, std::string file, NodeMap nodes,
         std::shared_ptr<const ZoneStorage> storage, std::uint64_t inputs = 0);
    // `base` with its SOA serial replaced; shares base's storage.
    Zone(const Zone& base, std::uint32_t serial);
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
    [[nodiscard]] std::size_t node_count() const noexcept { return nodes_.size(); }
    [[nodiscard]] std::size_t record_count() const noexcept { return record_count_; }
    [[nodiscard]] const NodeMap& nodes() const noexcept { return nodes_; }
    // Equal non-zero digests: the same files, text and inventory built it.
    [[nodiscard]] std::uint64_t inputs() const noexcept { return inputs_; }

private:
    void index_apex();

    std::string origin_;
    std::string file_;
    NodeMap nodes_;
    std::vector<std::shared_ptr<const ZoneStorage>> storage_;
    const Node* apex_ = nullptr;
    const RrSet* soa_ = nullptr;
    std::uint32_t negative_ttl_ = 0;
    std::size_t record_count_ = 0;
    std::uint64_t inputs_ = 0;
    std::uint32_t serial_ = 0;
};

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

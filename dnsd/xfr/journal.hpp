// SPDX-License-Identifier: GPL-3.0-or-later
// The journal IXFR answers from (RFC 1995): for each zone, the differences
// between the versions successive reloads served, oldest first, kept in
// memory: the last N of them, within a byte budget. Nothing is written to
// disk: after a restart the journal starts empty, and secondaries behind
// the version served at start get the whole zone. A client that is several versions behind
// gets them condensed into one difference (RFC 1995 §4 allows it); one
// further behind than the journal reaches gets the whole zone instead.
#pragma once

#include "dnsd/xfr/records.hpp"
#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace phx::dns::xfr {

// A record owned by the journal; the zone versions it came from are gone.
struct StoredRecord {
    std::string owner; // wire form, case as served
    RrType type{};
    std::uint32_t ttl = 0;
    std::string rdata;

    [[nodiscard]] OutRecord view() const { return {owner, type, ttl, rdata}; }
    friend bool operator==(const StoredRecord&, const StoredRecord&) = default;
};

// From one served version to the next. The SOAs mark the versions; they
// are not among the removed and added records.
struct Difference {
    StoredRecord from_soa;
    StoredRecord to_soa;
    std::uint32_t from_serial = 0;
    std::uint32_t to_serial = 0;
    std::vector<StoredRecord> removed;
    std::vector<StoredRecord> added;

    [[nodiscard]] std::size_t bytes() const noexcept; // what it holds in memory, roughly
};

// The difference between two versions of a zone: a record whose TTL
// changed is removed with the old TTL and added with the new one.
[[nodiscard]] Difference difference(const Zone& before, const Zone& after);

// One zone's differences, immutable: a reload makes a new journal.
class Journal {
public:
    Journal() = default;

    // This journal with `next` added (it must start where the newest one
    // ends, else the journal starts again from it), the oldest dropped
    // until at most `max_versions` are left, in at most `max_bytes`.
    [[nodiscard]] std::shared_ptr<const Journal> extended(std::shared_ptr<const Difference> next,
                                                          std::size_t max_versions,
                                                          std::size_t max_bytes) const;

    // The changes from version `serial` to the newest, condensed into one
    // difference; nullopt if the journal does not reach back to `serial`.
    [[nodiscard]] std::optional<Difference> since(std::uint32_t serial) const;

    [[nodiscard]] std::size_t versions() const noexcept { return differences_.size(); }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
    // The serial of the newest version, if there is a difference at all.
    [[nodiscard]] std::optional<std::uint32_t> newest_serial() const noexcept;

private:
    std::vector<std::shared_ptr<const Difference>> differences_; // oldest first, chained
    std::size_t bytes_ = 0;
};

} // namespace phx::dns::xfr

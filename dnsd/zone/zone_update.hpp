// SPDX-License-Identifier: GPL-3.0-or-later
// The next version of a served zone, built from its edited file by sharing
// everything that did not change. Each record the scanner reads is looked
// up in the served zone: one that is there is only marked as seen (a bit);
// only records that are not, and the names they are at, are stored. At the
// end, names with a new record or an unseen old one are rebuilt, and the
// new version is those names over the served zone's whole one. A one-record
// edit of a million-record zone so costs a bit per record and the changed
// names, not a second copy of the zone beside the one still answering.
//
// It never reports anything: whatever a full build would warn or fail about
// (a duplicate, a TTL conflict, a CNAME beside data, a changed delegation,
// too many changes to be worth it) makes finish() return nullptr, and the
// loader builds the zone in full, which says it with file and line.
#pragma once

#include "dnsd/zone/zone.hpp"
#include "dnsd/zone/zone_build.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns {

class ZoneUpdate final : public RecordSink, public AcceptedRecords {
public:
    // `served` is the version answering now: clean, from the same file.
    ZoneUpdate(std::shared_ptr<const Zone> served, std::uint64_t inputs,
               std::uint64_t checked_with);

    void add(const RecordRef& record) override;
    using RecordSink::add;

    // The records that are not in the served zone, in the order added.
    void for_each(const std::function<void(const AcceptedRecord&)>& visit) const override;

    // The new version, or nullptr when it must be built in full (why_not()).
    [[nodiscard]] std::shared_ptr<const Zone> finish() &&;
    [[nodiscard]] const std::string& why_not() const noexcept { return why_not_; }

private:
    struct Added {
        RrType type{};
        std::uint32_t ttl = 0;
        std::string_view rdata;
        SourcePos at;
    };
    struct Change {
        std::string_view owner; // case as first written; empty: the served node's
        std::vector<Added> added;
    };
    struct Span {
        const std::string_view* begin;
        std::size_t size;
        std::size_t first_bit;
    };

    std::nullptr_t give_up(std::string why); // for `return give_up(...)` in finish()
    [[nodiscard]] std::size_t bit_of(const std::string_view* rdata) const noexcept;
    [[nodiscard]] bool seen_any(const Node& node) const;
    Change& change_at(std::string_view lower);
    [[nodiscard]] bool too_many_changes() const noexcept;

    std::shared_ptr<const Zone> served_;
    std::uint64_t inputs_;
    std::uint64_t checked_with_;
    std::shared_ptr<ZoneStorage> storage_ = std::make_shared<ZoneStorage>();
    std::vector<Span> spans_; // the served zone's rdata arrays, numbered
    std::vector<bool> seen_;  // one per served record
    Zone::NodeMap::size_type node_budget_ = 0;
    std::unordered_map<std::string_view, Change, NameHash, std::equal_to<>> changes_;
    std::size_t matched_ = 0;
    std::size_t added_ = 0;
    std::string why_not_;
};

} // namespace phx::dns

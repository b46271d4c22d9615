// SPDX-License-Identifier: GPL-3.0-or-later
// Turns records into a validated Zone: groups them into RRsets, checks the
// rules a zone must satisfy, and adds empty non-terminals. Records go in one
// at a time as the scanner reads them, into the storage the zone will keep,
// so a large zone is never held twice (once as records, once as a zone).
#pragma once

#include "common/diag.hpp"
#include "dnsd/zone/zone.hpp"
#include "dnsd/zone/zone_scan.hpp"

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns {

// One record handed to the builder; the views need only last the call.
struct RecordRef {
    std::string_view owner; // wire form, case as written
    RrType type{};
    std::uint16_t rclass = 0;
    std::uint32_t ttl = 0;
    std::string_view rdata; // uncompressed wire form
    SourcePos at;
};

// A record the builder accepted, for the inventory's cross-checks.
struct AcceptedRecord {
    std::string_view owner;       // case as first written at this name
    std::string_view owner_lower; // the lookup key
    RrType type{};
    std::string_view rdata;
    SourcePos at;
};

class ZoneBuilder {
public:
    // `origin` is the lower-case wire apex; `file` names the zone in messages.
    ZoneBuilder(std::string origin, std::string file, Diagnostics& diag);
    ZoneBuilder(ZoneBuilder&&) noexcept;
    ZoneBuilder& operator=(ZoneBuilder&&) noexcept;
    ~ZoneBuilder();

    // A digest of what the records come from, kept by the zone (Zone::inputs).
    void note_inputs(std::uint64_t digest);

    // Sizes the tables for a zone file of this many bytes, so that they do
    // not grow (and rehash) step by step while a large zone is read.
    void expect_file_bytes(std::uintmax_t bytes);

    // Records outside the zone, of another class, or of a kind we do not
    // serve are reported here and left out.
    void add(const RecordRef& record);
    void add(const ScannedRecord& record);

    // Every accepted record so far, in the order added.
    void for_each(const std::function<void(const AcceptedRecord&)>& visit) const;
    [[nodiscard]] std::size_t record_count() const noexcept;
    [[nodiscard]] const std::string& origin() const noexcept;

    // Says how many errors and warnings were counted but not printed; for a
    // zone given up before finish() (finish() says it itself).
    void report_suppressed();

    // nullptr after reporting errors; warnings alone do not stop the zone.
    [[nodiscard]] std::shared_ptr<const Zone> finish() &&;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// The same for records already in memory (the inventory's zones, tests).
[[nodiscard]] std::shared_ptr<const Zone> build_zone(const std::string& origin,
                                                     const std::string& file,
                                                     const std::vector<ScannedRecord>& records,
                                                     Diagnostics& diag);

} // namespace phx::dns

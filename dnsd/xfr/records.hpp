// SPDX-License-Identifier: GPL-3.0-or-later
// The records of a transfer, one at a time, in the order they go out:
// AXFR (RFC 5936 §2.2: the SOA, every other record, the SOA again) or a
// list made up front (an IXFR's differences, a single SOA). The message
// writer takes records from a source until a message is full.
#pragma once

#include "dnsd/wire/types.hpp"
#include "dnsd/zone/zone.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns::xfr {

// A record to write. The views point into a zone or a journal that the
// transfer keeps alive.
struct OutRecord {
    std::string_view owner; // wire form, case as served
    RrType type{};
    std::uint32_t ttl = 0;
    std::string_view rdata; // uncompressed wire form
};

class RecordSource {
public:
    virtual ~RecordSource() = default;
    // The next record, still in place; nullptr when there are no more.
    [[nodiscard]] virtual const OutRecord* peek() = 0;
    virtual void pop() = 0;
};

// The zone's SOA as a record.
[[nodiscard]] OutRecord soa_record(const Zone& zone);

// A whole zone in AXFR order. Empty non-terminals hold nothing and are
// skipped; glue and records below delegations are part of the zone and go.
class ZoneSource final : public RecordSource {
public:
    explicit ZoneSource(const Zone& zone);
    [[nodiscard]] const OutRecord* peek() override;
    void pop() override;

private:
    void settle(); // moves the cursor onto a record, or to the closing SOA

    enum class Stage : std::uint8_t { first_soa, body, last_soa, done };
    const Zone& zone_;
    Stage stage_ = Stage::first_soa;
    Zone::NodeMap::const_iterator node_;
    std::size_t rrset_ = 0;
    std::size_t record_ = 0;
    OutRecord current_;
};

// Records listed in advance.
class ListSource final : public RecordSource {
public:
    explicit ListSource(std::vector<OutRecord> records) : records_{std::move(records)} {}
    [[nodiscard]] const OutRecord* peek() override {
        return next_ < records_.size() ? &records_[next_] : nullptr;
    }
    void pop() override { ++next_; }

private:
    std::vector<OutRecord> records_;
    std::size_t next_ = 0;
};

} // namespace phx::dns::xfr

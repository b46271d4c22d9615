// SPDX-License-Identifier: GPL-3.0-or-later
// Walking a zone for AXFR without copying it: a cursor over the immutable
// node map (its order is fixed while the zone lives), its RRsets and rdata.
#include "dnsd/xfr/records.hpp"

namespace phx::dns::xfr {

OutRecord soa_record(const Zone& zone) {
    const RrSet& soa = zone.soa();
    return {zone.apex().owner, RrType::soa, soa.ttl, soa.rdata.front()};
}

ZoneSource::ZoneSource(const Zone& zone) : zone_{zone}, node_{zone.nodes().begin()} {
    current_ = soa_record(zone_);
}

void ZoneSource::settle() {
    const auto end = zone_.nodes().end();
    for (; node_ != end; ++node_, rrset_ = 0, record_ = 0) {
        const Node& node = node_->second;
        for (; rrset_ < node.rrsets.size(); ++rrset_, record_ = 0) {
            const RrSet& set = node.rrsets[rrset_];
            if (set.type == RrType::soa || record_ >= set.rdata.size()) continue;
            current_ = {node.owner, set.type, set.ttl, set.rdata[record_]};
            return;
        }
    }
    stage_ = Stage::last_soa;
    current_ = soa_record(zone_);
}

const OutRecord* ZoneSource::peek() {
    return stage_ == Stage::done ? nullptr : &current_;
}

void ZoneSource::pop() {
    switch (stage_) {
    case Stage::first_soa:
        stage_ = Stage::body;
        settle();
        break;
    case Stage::body:
        ++record_;
        settle();
        break;
    case Stage::last_soa:
    case Stage::done:
        stage_ = Stage::done;
        break;
    }
}

} // namespace phx::dns::xfr

// SPDX-License-Identifier: GPL-3.0-or-later
// Building the transfer state at start and at every reload.
#include "dnsd/xfr/state.hpp"

#include "dnsd/zone/serial_policy.hpp"

namespace phx::dns::xfr {
namespace {

std::shared_ptr<const Journal> next_journal(const TransferState* before, const Zone& zone,
                                            const TransferConfig& config) {
    static const auto empty = std::make_shared<const Journal>();
    const Zone* old = before ? before->zone(zone.origin()) : nullptr;
    const Journal* journal = before ? before->journal(zone.origin()) : nullptr;
    if (!old || !journal) return empty;
    if (old == &zone || (old->serial() == zone.serial() && same_content(*old, zone)))
        return before->journals.find(zone.origin())->second; // the same version
    if (!serial_greater(zone.serial(), old->serial())) return empty;
    return journal->extended(std::make_shared<const Difference>(difference(*old, zone)),
                             config.journal_versions, config.journal_bytes);
}

} // namespace

const Zone* TransferState::zone(std::string_view origin) const noexcept {
    const Zone* z = zones ? zones->find(origin) : nullptr;
    return z && z->origin() == origin ? z : nullptr;
}

const Journal* TransferState::journal(std::string_view origin) const noexcept {
    const auto it = journals.find(origin);
    return it == journals.end() ? nullptr : it->second.get();
}

std::shared_ptr<const TransferState> next_state(const TransferState* before,
                                                std::shared_ptr<const ZoneSet> zones,
                                                const TransferConfig& config) {
    auto state = std::make_shared<TransferState>();
    std::vector<tsig::Key> keys;
    for (const auto& k : config.keys) keys.push_back(k.key);
    state->keys = tsig::Keyring{std::move(keys)};
    state->allow = config.allow;
    state->notify = config.notify;
    for (const auto& zone : zones->zones())
        state->journals.emplace(zone->origin(), next_journal(before, *zone, config));
    state->zones = std::move(zones);
    return state;
}

} // namespace phx::dns::xfr

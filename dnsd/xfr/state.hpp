// SPDX-License-Identifier: GPL-3.0-or-later
// What transfers are served from: the zones, the keys, who may transfer,
// whom to NOTIFY, and each zone's journal. Immutable and shared, like the
// zone set: a reload builds the next state (extending each journal with the
// reload's differences) and the workers swap a pointer.
#pragma once

#include "dnsd/transfer_config.hpp"
#include "dnsd/tsig/key.hpp"
#include "dnsd/xfr/journal.hpp"
#include "dnsd/zone/zone.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace phx::dns::xfr {

struct TransferState {
    std::shared_ptr<const ZoneSet> zones;
    tsig::Keyring keys;
    std::vector<AllowTransfer> allow;
    std::vector<NotifyTarget> notify;
    // By zone origin (lower-case wire form); every served zone has one.
    std::unordered_map<std::string, std::shared_ptr<const Journal>, NameHash, std::equal_to<>>
        journals;

    // The zone whose apex is exactly this lower-case wire name, or nullptr.
    [[nodiscard]] const Zone* zone(std::string_view origin) const noexcept;
    [[nodiscard]] const Journal* journal(std::string_view origin) const noexcept;
};

// The state after a reload (or at start, `before` null): each zone's
// journal gains the difference to its new version when the serial grew,
// is kept when nothing changed, and starts empty otherwise (a new zone, or
// a serial that did not grow: the history no longer leads to this version).
[[nodiscard]] std::shared_ptr<const TransferState> next_state(const TransferState* before,
                                                              std::shared_ptr<const ZoneSet> zones,
                                                              const TransferConfig& config);

} // namespace phx::dns::xfr

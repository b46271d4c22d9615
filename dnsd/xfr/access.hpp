// SPDX-License-Identifier: GPL-3.0-or-later
// Who may transfer a zone: a client whose address is in an allow entry and
// whose request is signed with that entry's key (an entry without a key
// takes unsigned requests too). Everyone else is REFUSED.
#pragma once

#include "common/net.hpp"
#include "dnsd/transfer_config.hpp"
#include "dnsd/tsig/key.hpp"

#include <span>

namespace phx::dns::xfr {

// `key` is the key the request was verified with, or nullptr if unsigned.
[[nodiscard]] bool transfer_allowed(std::span<const AllowTransfer> allow, const IpAddress& client,
                                    const tsig::Key* key) noexcept;

} // namespace phx::dns::xfr

// SPDX-License-Identifier: GPL-3.0-or-later
// The transfer ACL.
#include "dnsd/xfr/access.hpp"

namespace phx::dns::xfr {

bool transfer_allowed(std::span<const AllowTransfer> allow, const IpAddress& client,
                      const tsig::Key* key) noexcept {
    for (const auto& rule : allow) {
        if (!rule.network.contains(client)) continue;
        if (!rule.key || (key && key->name == *rule.key)) return true;
    }
    return false;
}

} // namespace phx::dns::xfr

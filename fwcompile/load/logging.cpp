// SPDX-License-Identifier: GPL-3.0-or-later
// The [logging] section: whether and how each chain logs what it drops
// (Logging in model.hpp).
#include "fwcompile/load/detail.hpp"

namespace phx::fw::detail {

bool load_logging(const Section& top, Logging& logging) {
    const Node* table = top.table("logging");
    if (!table) return !top.has("logging");
    const std::size_t errors_before = top.diag().error_count();
    const Section s{top.doc(), *table, "[logging]", top.file(), top.diag()};
    s.allow_only({"drops", "group", "rate", "burst"});
    if (auto drops = s.boolean("drops")) logging.drops = *drops;
    // NFLOG groups are 16 bits; Proxmox's own logger reads group 0.
    if (auto group = s.integer("group", 0, 65535))
        logging.group = static_cast<std::uint16_t>(*group);
    if (auto rate = s.integer("rate", 1, 100000))
        logging.per_second = static_cast<std::uint32_t>(*rate);
    if (auto burst = s.integer("burst", 1, 100000))
        logging.burst = static_cast<std::uint32_t>(*burst);
    return top.diag().error_count() == errors_before;
}

} // namespace phx::fw::detail

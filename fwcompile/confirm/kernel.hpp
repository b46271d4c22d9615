// SPDX-License-Identifier: GPL-3.0-or-later
// What the keeper asks of the kernel, as an interface so its state machine
// can run against a fake kernel in a unit test. Every change is one
// transaction refused unless the ruleset is still at a given generation:
// that is how the keeper learns that someone else changed it meanwhile.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/apply.hpp"

#include <cstdint>
#include <memory>

namespace phx::fw::confirm {

class Kernel {
public:
    virtual ~Kernel() = default;

    // The ruleset generation now; every committed transaction changes it.
    [[nodiscard]] virtual std::uint32_t generation() = 0;

    // Replaces phx-fw's tables with `ruleset`; refused
    // (Outcome::generation_changed) unless the ruleset is at `generation`.
    [[nodiscard]] virtual netlink::Outcome apply(const ir::Ruleset& ruleset,
                                                 std::uint32_t generation) = 0;

    // Puts `previous` back with its counters (no table of a family it has
    // none of); refused the same way unless at `generation`.
    [[nodiscard]] virtual netlink::Outcome restore(const ir::Ruleset& previous,
                                                   std::uint32_t generation) = 0;

    // phx-fw's live tables (none when there are none).
    [[nodiscard]] virtual ir::Ruleset read_live() = 0;
};

// The kernel over NETLINK_NETFILTER. Each call opens a socket of its own,
// so nothing is held open while the keeper waits; each may throw
// std::system_error when it cannot (EPERM without CAP_NET_ADMIN, EMFILE).
[[nodiscard]] std::unique_ptr<Kernel> netlink_kernel();

} // namespace phx::fw::confirm

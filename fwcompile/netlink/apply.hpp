// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 6: one transaction to the kernel, and what to tell the admin about
// it. Any error means the kernel applied nothing; the report says which
// row or guest (file:line) produced the message the kernel refused.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/batch.hpp"
#include "fwcompile/netlink/socket.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace phx::fw::netlink {

struct Outcome {
    bool ok = false;
    // One or more lines for the terminal: what went wrong, or for restore
    // and flush what was done. apply_ruleset leaves the wording of a success
    // to its caller, which knows what else the command did and timed.
    std::string report;
    std::size_t messages = 0;
    std::size_t bytes = 0;
    std::size_t pages = 0;
    double build_ms = 0;  // building the batch
    double kernel_ms = 0; // sendmsg() and the answers
    // Refused as a whole because the ruleset changed after its generation
    // was read: nothing was applied, and sending again may succeed.
    bool generation_changed = false;
};

// Replaces phx-fw's tables with `ruleset` (encode.hpp, encode_replace).
// The ruleset generation is read first and passed in the batch, so a
// concurrent change makes the kernel refuse it. A dry run sends everything
// but BATCH_END: the kernel checks each message and then discards the
// transaction.
[[nodiscard]] Outcome apply_ruleset(const ir::Ruleset& ruleset, bool dry_run);

// The same on an open socket, refused unless the ruleset is still at
// generation `genid` (the one a snapshot of the live tables was read at).
[[nodiscard]] Outcome apply_ruleset(Socket& socket, const ir::Ruleset& ruleset, std::uint32_t genid,
                                    bool dry_run);

// Puts back what read_live_state() saw, in one transaction refused unless
// the ruleset is at `genid`: the previous tables with their counters, and
// none of a family that had none. A dry run proves the kernel would accept it.
[[nodiscard]] Outcome restore_ruleset(Socket& socket, const ir::Ruleset& previous,
                                      std::uint32_t genid, bool dry_run);

// Removes phx-fw's tables (inet phx, bridge phx), if any; no other table is
// touched.
[[nodiscard]] Outcome flush_tables();

// Sends a prepared batch and words the result. Exposed for tests that need a
// batch the kernel must refuse.
[[nodiscard]] Outcome send_batch(Socket& socket, Batch& batch, bool dry_run);

// "rules.toml:12: the kernel refused elements of set forward_1: File exists"
[[nodiscard]] std::string describe(const KernelError& error, const Batch& batch);

} // namespace phx::fw::netlink

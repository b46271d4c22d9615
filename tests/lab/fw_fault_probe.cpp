// SPDX-License-Identifier: GPL-3.0-or-later
// Test helper for test_fw_kernel.py: sends phx-fw batches the kernel must
// refuse, through the same library code `phx-fw apply` uses, and prints
// phx-fw's report. phx-fw itself never builds such batches (its input
// checks and set layering prevent them), so the fault is injected here.
//
//   fw_fault_probe conflict RULES   an extra element, attributed to the last
//                                   row of the first interval set, whose start
//                                   lies inside that set's first element: the
//                                   kernel's pipapo set refuses the overlap
//   fw_fault_probe stale RULES      reads the ruleset generation, lets `nft`
//                                   add table inet phx_concurrent, then sends
//                                   the batch with the stale generation
//
// Exit status: 1 when the kernel refused (the expected outcome), 0 when it
// applied the batch, 2 on usage or set-up errors.
#include "fwcompile/load/load.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/netlink/apply.hpp"
#include "fwcompile/netlink/encode.hpp"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

using namespace phx;
using namespace phx::fw;

namespace {

// Appends the overlapping element; false if the table has no interval set.
bool inject_conflict(ir::Table& table) {
    for (auto& set : table.sets) {
        if (!set.interval || set.anonymous || set.elements.size() < 2) continue;
        ir::Element clash = set.elements.front();
        clash.origin = set.elements.back().origin;
        clash.comment = "injected overlap";
        // Same start as the first element, a different end: inside it.
        clash.key.back().hi = clash.key.back().lo;
        clash.key.front().hi = clash.key.front().lo;
        if (clash.key == set.elements.front().key) return false;
        set.elements.push_back(std::move(clash));
        return true;
    }
    return false;
}

int run(const std::string& mode, const std::string& rules_file) {
    Diagnostics diag;
    auto rules = load_rules(rules_file, diag);
    if (!rules) {
        diag.print(stderr);
        return 2;
    }
    ir::Ruleset ruleset = lower(*rules, Target{});
    ir::Table& table = *ruleset.find(ir::Family::inet);
    netlink::Socket socket;
    const std::uint32_t generation = socket.generation();
    if (mode == "conflict") {
        if (!inject_conflict(table)) {
            std::fputs("fw_fault_probe: the rules have no interval set with two elements\n",
                       stderr);
            return 2;
        }
    } else if (mode == "stale") {
        if (std::system("nft add table inet phx_concurrent") != 0) return 2;
    } else {
        std::fputs("usage: fw_fault_probe conflict|stale RULES\n", stderr);
        return 2;
    }
    netlink::Batch batch{generation};
    netlink::encode_replace(ruleset, batch);
    const netlink::Outcome outcome = netlink::send_batch(socket, batch, false);
    std::fputs(outcome.ok ? "applied\n" : outcome.report.c_str(), stdout);
    return outcome.ok ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fputs("usage: fw_fault_probe conflict|stale RULES\n", stderr);
        return 2;
    }
    try {
        return run(argv[1], argv[2]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fw_fault_probe: %s\n", e.what());
        return 2;
    }
}

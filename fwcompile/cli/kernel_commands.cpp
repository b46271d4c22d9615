// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that talk to nf_tables: diff, apply, list, flush. They
// touch table inet phx and nothing else.
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/keep_until_exit.hpp"
#include "fwcompile/cli/load_target.hpp"
#include "fwcompile/confirm/confirm_apply.hpp"
#include "fwcompile/confirm/pending.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/netlink/apply.hpp"
#include "fwcompile/netlink/readback.hpp"
#include "fwcompile/nft_text.hpp"
#include "fwcompile/system/bridge_netfilter.hpp"
#include "fwcompile/views/text_diff.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fmt/format.h>

namespace phx::fw::cli {
namespace {

int report(const netlink::Outcome& outcome) {
    std::fputs(outcome.report.c_str(), outcome.ok ? stdout : stderr);
    return outcome.ok ? 0 : 1;
}

// While an `apply --confirm` waits, another change would be undone by its
// rollback or would undo what waits to be confirmed: one change at a time.
bool blocked_by_pending_apply(const char* command) {
    const confirm::PendingPaths paths = confirm::pending_paths();
    if (!confirm::apply_pending(paths)) return false;
    fmt::print(stderr,
               "phx-fw: an apply --confirm is waiting for confirmation in this network namespace "
               "({}): run `phx-fw confirm` to keep it, or let it roll back, before {}. Nothing "
               "was done.\n",
               paths.netns, command);
    return true;
}

// The kernel hands out hash set elements in an order of its own; sorted by
// value, two listings of the same table are the same text, as with nft list.
void sort_elements(ir::Table& table) {
    for (auto& set : table.sets)
        std::sort(set.elements.begin(), set.elements.end(),
                  [](const ir::Element& a, const ir::Element& b) { return a.key < b.key; });
}

} // namespace

int diff(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return kFailed;
    const ir::Table wanted = lower(loaded->rules, loaded->target);
    netlink::Socket socket;
    const auto live = netlink::read_live_table(socket);
    const TextStyle canonical{false, true};
    const std::string from = live ? to_nft_text(*live, canonical) : std::string{};
    const std::string to = to_nft_text(wanted, canonical);
    const std::string changes =
        unified_diff(from, to, live ? "live table inet phx" : "no table inet phx loaded",
                     fmt::format("{} ({})", o.rules, loaded->target_name()));
    if (changes.empty()) {
        fmt::print("no changes: the live table inet phx is what {} compiles to for {}\n", o.rules,
                   loaded->target_name());
        return 0;
    }
    std::fputs(changes.c_str(), stdout);
    return kOtherOutcome; // changes pending
}

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One line that says what was sent and where the time went.
int report_applied(const netlink::Outcome& out, bool dry_run, double read_ms, double compile_ms) {
    if (!out.ok) return report(out);
    fmt::print("{}: {} messages, {} KiB in {} page(s); rules read in {:.1f} ms, compiled in "
               "{:.1f} ms, built in {:.1f} ms, kernel {:.1f} ms\n",
               dry_run ? "dry run: the kernel accepted every message and changed nothing"
                       : "applied table inet phx",
               out.messages, (out.bytes + 1023) / 1024, out.pages, read_ms, compile_ms,
               out.build_ms, out.kernel_ms);
    return 0;
}

} // namespace

int apply(const Options& o) {
    const auto start = Clock::now();
    auto loaded = load_for(o);
    if (!loaded) return 1;
    const double read_ms = ms_since(start);
    if (!loaded->target.host) {
        const std::string problem = system::bridge_netfilter_problem();
        if (!problem.empty()) {
            std::fprintf(stderr, "phx-fw: %s\nnothing was applied\n", problem.c_str());
            return 1;
        }
    }
    const auto compile_start = Clock::now();
    ir::Table table = lower(loaded->rules, loaded->target);
    const double compile_ms = ms_since(compile_start);
    if (o.confirm_seconds > 0) {
        confirm::KeeperJob job;
        job.table = std::move(table);
        job.window = std::chrono::seconds{o.confirm_seconds};
        job.what = fmt::format("{} ({})", o.rules, loaded->target_name());
        return confirm::apply_confirmed(std::move(job));
    }
    if (!o.dry_run && blocked_by_pending_apply("you apply again")) return 1;
    const int status =
        report_applied(netlink::apply_table(table, o.dry_run), o.dry_run, read_ms, compile_ms);
    keep_until_exit(std::move(table));
    keep_until_exit(std::move(*loaded));
    return status;
}

int list(const Options&) {
    netlink::Socket socket;
    auto live = netlink::read_live_table(socket);
    if (!live) {
        std::fputs("phx-fw: table inet phx is not loaded\n", stderr);
        return 1;
    }
    sort_elements(*live);
    std::fputs(to_nft_text(*live).c_str(), stdout);
    return 0;
}

int flush(const Options&) {
    if (blocked_by_pending_apply("you flush")) return 1;
    return report(netlink::flush_table());
}

} // namespace phx::fw::cli

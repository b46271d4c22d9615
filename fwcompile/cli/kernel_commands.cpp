// SPDX-License-Identifier: GPL-3.0-or-later
// The subcommands that talk to nf_tables: diff, apply, list, flush. They
// touch phx-fw's tables (inet phx, bridge phx) and nothing else.
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/keep_until_exit.hpp"
#include "fwcompile/cli/load_target.hpp"
#include "fwcompile/cli/safety.hpp"
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
#include <cstdlib>
#include <fmt/format.h>
#include <fmt/ranges.h>

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
void sort_elements(ir::Ruleset& ruleset) {
    for (auto& table : ruleset.tables)
        for (auto& set : table.sets)
            std::sort(set.elements.begin(), set.elements.end(),
                      [](const ir::Element& a, const ir::Element& b) { return a.key < b.key; });
}

// "the live tables (phx-fw: the hypervisor target, rules phoenix.toml)".
std::string live_name(const ir::Ruleset& live) {
    if (live.tables.empty()) return "no table of phx-fw's loaded";
    return fmt::format("the live tables ({})", live.tables.front().comment);
}

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string tables_text(const ir::Ruleset& ruleset) {
    std::vector<std::string> names;
    for (const auto& table : ruleset.tables)
        names.push_back(fmt::format("table {} {}", ir::to_string(table.family), table.name));
    return fmt::format("{}", fmt::join(names, " and "));
}

// One line that says what was sent, from where, and where the time went.
int report_applied(const netlink::Outcome& out, const ir::Ruleset& ruleset, const Options& o,
                   const Loaded& loaded, double read_ms, double compile_ms) {
    if (!out.ok) return report(out);
    fmt::print("{} from {} ({}): {} messages, {} KiB in {} page(s); rules read in {:.1f} ms, "
               "compiled in {:.1f} ms, built in {:.1f} ms, kernel {:.1f} ms\n",
               o.dry_run ? "dry run: the kernel accepted every message and changed nothing, for"
                         : "applied " + tables_text(ruleset),
               o.rules, loaded.target_name(), out.messages, (out.bytes + 1023) / 1024, out.pages,
               read_ms, compile_ms, out.build_ms, out.kernel_ms);
    return 0;
}

// The refusals apply makes before it sends anything (safety.hpp); true
// when it may go on.
bool safe_to_apply(const Options& o, const Loaded& loaded) {
    if (o.force || o.dry_run) return true;
    if (auto why = foreign_target(loaded)) {
        fmt::print(stderr, "phx-fw: refusing: {}. Nothing was applied.\n", *why);
        return false;
    }
    if (const auto session = ssh_session(std::getenv("SSH_CONNECTION")))
        if (auto why = lockout(loaded, *session)) {
            fmt::print(stderr, "phx-fw: refusing: {}. Nothing was applied.\n", *why);
            return false;
        }
    return true;
}

// One line on what the target filters, for check and apply.
std::string scope_line(const Loaded& loaded) {
    if (loaded.target.host)
        return fmt::format("scope: {}'s own input and output (its chains trust source addresses: "
                           "only the hypervisor target binds guests to their ports)",
                           loaded.rules.inventory.hosts[*loaded.target.host].name);
    return scope_text(loaded.rules);
}

// The text diff and apply --if-changed compare: counters left out, set
// elements sorted.
std::string canonical_text(const ir::Ruleset& ruleset) {
    return to_nft_text(ruleset, TextStyle{false, true});
}

// apply --if-changed: true (after saying so) when the live tables already
// are what the rules compile to, and there is nothing to send.
bool already_live(const ir::Ruleset& wanted, const Options& o, const Loaded& loaded) {
    netlink::Socket socket;
    if (canonical_text(netlink::read_live_ruleset(socket)) != canonical_text(wanted)) return false;
    fmt::print("unchanged: the live tables already are {} ({}); nothing sent\n", o.rules,
               loaded.target_name());
    return true;
}

} // namespace

int diff(const Options& o) {
    const auto loaded = load_for(o);
    if (!loaded) return kFailed;
    print_source(o, *loaded);
    const ir::Ruleset wanted = lower(loaded->rules, loaded->target);
    netlink::Socket socket;
    const ir::Ruleset live = netlink::read_live_ruleset(socket);
    const std::string changes =
        unified_diff(canonical_text(live), canonical_text(wanted), live_name(live),
                     fmt::format("{} ({})", o.rules, loaded->target_name()));
    if (changes.empty()) {
        fmt::print("no changes: the live tables are what {} compiles to for {}\n", o.rules,
                   loaded->target_name());
        return 0;
    }
    std::fputs(changes.c_str(), stdout);
    return kOtherOutcome; // changes pending
}

int apply(const Options& o) {
    const auto start = Clock::now();
    auto loaded = load_for(o);
    if (!loaded) return kFailed;
    const double read_ms = ms_since(start);
    if (!loaded->target.host) {
        const std::string problem = system::bridge_netfilter_problem();
        if (!problem.empty()) {
            std::fprintf(stderr, "phx-fw: %s\nnothing was applied\n", problem.c_str());
            return kFailed;
        }
    }
    if (!safe_to_apply(o, *loaded)) return kFailed;
    const auto compile_start = Clock::now();
    ir::Ruleset ruleset = lower(loaded->rules, loaded->target);
    const double compile_ms = ms_since(compile_start);
    if (o.if_changed) {
        // As below: a pending apply --confirm blocks, even a change of nothing.
        if (!o.dry_run && blocked_by_pending_apply("you apply again")) return kFailed;
        if (already_live(ruleset, o, *loaded)) return kOk;
    }
    fmt::print(stderr, "phx-fw: {}\n", scope_line(*loaded));
    if (const std::string node = node_line(loaded->rules.inventory); !node.empty())
        fmt::print(stderr, "phx-fw: {}\n", node);
    if (o.confirm_seconds > 0) {
        confirm::KeeperJob job;
        job.ruleset = std::move(ruleset);
        job.window = std::chrono::seconds{o.confirm_seconds};
        job.what = fmt::format("{} ({})", o.rules, loaded->target_name());
        return confirm::apply_confirmed(std::move(job));
    }
    if (!o.dry_run && blocked_by_pending_apply("you apply again")) return kFailed;
    const int status = report_applied(netlink::apply_ruleset(ruleset, o.dry_run), ruleset, o,
                                      *loaded, read_ms, compile_ms);
    keep_until_exit(std::move(ruleset));
    keep_until_exit(std::move(*loaded));
    return status;
}

int list(const Options&) {
    netlink::Socket socket;
    ir::Ruleset live = netlink::read_live_ruleset(socket);
    if (live.tables.empty()) {
        std::fputs("phx-fw: no table of phx-fw's is loaded (table inet phx, table bridge phx)\n",
                   stderr);
        return kFailed;
    }
    sort_elements(live);
    std::fputs(to_nft_text(live).c_str(), stdout);
    return kOk;
}

int flush(const Options&) {
    if (blocked_by_pending_apply("you flush")) return kFailed;
    return report(netlink::flush_tables());
}

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// apply, dry run and flush as single transactions; see apply.hpp.
#include "fwcompile/netlink/apply.hpp"

#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/readback.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace phx::fw::netlink {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string failure_report(const BatchReply& reply, const Batch& batch, bool dry_run) {
    const std::string outcome =
        dry_run ? "the kernel would refuse this ruleset (dry run: nothing was changed)"
                : "nothing was applied: the live ruleset is unchanged";
    std::string out;
    for (const auto& e : reply.errors) {
        if (e.seq != batch.begin_seq()) {
            out += describe(e, batch) + "\n";
        } else if (e.error == ERESTART) {
            out += fmt::format(
                "the ruleset changed after phx-fw read its generation ({}): another program "
                "modified nf_tables meanwhile. Run the command again.\n",
                batch.genid());
        } else {
            out += fmt::format("the kernel refused the whole batch: {}\n", std::strerror(e.error));
        }
    }
    if (!reply.complete)
        return out +
               fmt::format(
                   "the kernel answered {} of {} messages before timing out; check the live table "
                   "with phx-fw diff\n",
                   reply.acks + reply.errors.size(), batch.acked_messages());
    return out + outcome + "\n";
}

bool refused_as_stale(const BatchReply& reply, const Batch& batch) {
    for (const auto& e : reply.errors)
        if (e.seq == batch.begin_seq() && e.error == ERESTART) return true;
    return false;
}

} // namespace

std::string describe(const KernelError& error, const Batch& batch) {
    const MessageOrigin* message = batch.origin_of(error.seq);
    const std::string what = message ? message->what : fmt::format("message {}", error.seq);
    const SourcePos* at = message && message->table
                              ? message->table->origin(batch.origin_at(error.seq, error.offset))
                              : nullptr;
    std::string out =
        fmt::format("{}the kernel refused {}: {}", at ? at->to_string() + ": " : std::string{},
                    what, std::strerror(error.error));
    if (!error.message.empty()) out += fmt::format(" ({})", error.message);
    return out;
}

Outcome send_batch(Socket& socket, Batch& batch, bool dry_run) {
    Outcome out;
    if (!dry_run) batch.end();
    out.messages = batch.acked_messages();
    out.bytes = batch.bytes();
    out.pages = batch.pages();
    const auto start = Clock::now();
    const BatchReply reply = socket.send(batch);
    out.kernel_ms = ms_since(start);
    out.ok = reply.complete && reply.errors.empty();
    out.generation_changed = refused_as_stale(reply, batch);
    if (!out.ok) out.report = failure_report(reply, batch, dry_run);
    return out;
}

Outcome apply_ruleset(const ir::Ruleset& ruleset, bool dry_run) {
    Socket socket;
    return apply_ruleset(socket, ruleset, socket.generation(), dry_run);
}

Outcome apply_ruleset(Socket& socket, const ir::Ruleset& ruleset, std::uint32_t genid,
                      bool dry_run) {
    const auto start = Clock::now();
    Batch batch{genid};
    encode_replace(ruleset, batch);
    const double build_ms = ms_since(start);
    Outcome out = send_batch(socket, batch, dry_run);
    out.build_ms = build_ms;
    return out;
}

namespace {

std::string tables_text(const ir::Ruleset& ruleset) {
    std::vector<std::string> names;
    for (const auto& table : ruleset.tables)
        names.push_back(fmt::format("table {} {}", ir::to_string(table.family), table.name));
    return fmt::format("{}", fmt::join(names, " and "));
}

} // namespace

Outcome restore_ruleset(Socket& socket, const ir::Ruleset& previous, std::uint32_t genid,
                        bool dry_run) {
    const auto start = Clock::now();
    Batch batch{genid};
    encode_replace(previous, batch);
    const double build_ms = ms_since(start);
    Outcome out = send_batch(socket, batch, dry_run);
    out.build_ms = build_ms;
    if (out.ok)
        out.report =
            fmt::format("{}{} in one transaction ({} messages, kernel {:.1f} ms)\n",
                        dry_run ? "dry run: the kernel would accept this: " : "",
                        previous.tables.empty()
                            ? std::string{"removed phx-fw's tables, as there were none before"}
                            : fmt::format("restored the previous {} (counters included)",
                                          tables_text(previous)),
                        out.messages, out.kernel_ms);
    return out;
}

Outcome flush_tables() {
    Socket socket;
    Batch batch{socket.generation()};
    std::vector<std::string> existed;
    for (const auto family : ir::kFamilies)
        if (live_table_exists(socket, family))
            existed.push_back(fmt::format("table {} phx", ir::to_string(family)));
    encode_flush_all(batch);
    Outcome out = send_batch(socket, batch, false);
    if (out.ok)
        out.report = existed.empty() ? "no table of phx-fw's was loaded; nothing was removed\n"
                                     : fmt::format("removed {}; no other table was touched\n",
                                                   fmt::join(existed, " and "));
    return out;
}

} // namespace phx::fw::netlink

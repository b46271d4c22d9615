// SPDX-License-Identifier: GPL-3.0-or-later
// apply, dry run and flush as single transactions; see apply.hpp.
#include "fwcompile/netlink/apply.hpp"

#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/readback.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fmt/format.h>

namespace phx::fw::netlink {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

std::string failure_report(const BatchReply& reply, const Batch& batch, const ir::Table* table,
                           bool dry_run) {
    const std::string outcome =
        dry_run ? "the kernel would refuse this ruleset (dry run: nothing was changed)"
                : "nothing was applied: the live ruleset is unchanged";
    std::string out;
    for (const auto& e : reply.errors) {
        if (e.seq != batch.begin_seq()) {
            out += describe(e, batch, table) + "\n";
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

std::string describe(const KernelError& error, const Batch& batch, const ir::Table* table) {
    const MessageOrigin* message = batch.origin_of(error.seq);
    const std::string what = message ? message->what : fmt::format("message {}", error.seq);
    const SourcePos* at = table ? table->origin(batch.origin_at(error.seq, error.offset)) : nullptr;
    std::string out =
        fmt::format("{}the kernel refused {}: {}", at ? at->to_string() + ": " : std::string{},
                    what, std::strerror(error.error));
    if (!error.message.empty()) out += fmt::format(" ({})", error.message);
    return out;
}

Outcome send_batch(Socket& socket, Batch& batch, const ir::Table* table, bool dry_run) {
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
    if (!out.ok) out.report = failure_report(reply, batch, table, dry_run);
    return out;
}

Outcome apply_table(const ir::Table& table, bool dry_run) {
    Socket socket;
    return apply_table(socket, table, socket.generation(), dry_run);
}

Outcome apply_table(Socket& socket, const ir::Table& table, std::uint32_t genid, bool dry_run) {
    const auto start = Clock::now();
    Batch batch{genid};
    encode_replace(table, batch);
    const double build_ms = ms_since(start);
    Outcome out = send_batch(socket, batch, &table, dry_run);
    out.build_ms = build_ms;
    return out;
}

Outcome restore_table(Socket& socket, const std::optional<ir::Table>& previous, std::uint32_t genid,
                      bool dry_run) {
    const auto start = Clock::now();
    Batch batch{genid};
    if (previous)
        encode_replace(*previous, batch);
    else
        encode_flush(batch);
    const double build_ms = ms_since(start);
    Outcome out = send_batch(socket, batch, previous ? &*previous : nullptr, dry_run);
    out.build_ms = build_ms;
    if (out.ok)
        out.report =
            fmt::format("{}{} in one transaction ({} messages, kernel {:.1f} ms)\n",
                        dry_run ? "dry run: the kernel would accept this: " : "",
                        previous ? "restored the previous table inet phx (counters included)"
                                 : "removed table inet phx, as there was none before",
                        out.messages, out.kernel_ms);
    return out;
}

Outcome flush_table() {
    Socket socket;
    Batch batch{socket.generation()};
    const bool existed = live_table_exists(socket);
    encode_flush(batch);
    Outcome out = send_batch(socket, batch, nullptr, false);
    if (out.ok)
        out.report = existed ? "removed table inet phx; no other table was touched\n"
                             : "table inet phx was not loaded; nothing was removed\n";
    return out;
}

} // namespace phx::fw::netlink

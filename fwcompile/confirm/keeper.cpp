// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's decisions: apply, wait for a confirmation, then keep or
// restore, retrying a restore the kernel refused only because the ruleset
// moved on; see keeper.hpp. No I/O of its own: everything goes through the
// ports it is given.
#include "fwcompile/confirm/keeper.hpp"

#include "fwcompile/nft_text.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace phx::fw::confirm {
namespace {

// A rollback refused because the ruleset changed in that instant is sent
// again, against the new generation; more than a few means something is
// rewriting the ruleset in a loop.
constexpr int kRestoreAttempts = 5;
constexpr std::chrono::milliseconds kRetryPause{200};

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

class Keeper {
public:
    Keeper(const KeeperJob& job, const KeeperPorts& ports)
        : job_{job}, kernel_{ports.kernel}, clock_{ports.clock}, inbox_{ports.inbox},
          events_{ports.events} {}

    // Once the new table is in, nothing may keep the old one from coming
    // back: any failure while waiting ends the wait with a rollback.
    int run() {
        if (!apply()) {
            inbox_.close();
            return kFailed;
        }
        std::string why;
        try {
            report_applied();
            why = wait_for_confirmation();
        } catch (const std::exception& e) {
            why = fmt::format("the keeper failed while waiting ({})", e.what());
        }
        // The socket goes before the rollback, so a late confirm finds nothing.
        inbox_.close();
        if (why.empty()) return kConfirmed;
        return roll_back(why);
    }

private:
    bool apply() {
        applied_ = kernel_.apply(job_.ruleset, job_.generation);
        if (!applied_.ok) {
            events_.say(Event::failed, trimmed(applied_.report));
            return false;
        }
        applied_at_ = clock_.wall_now();
        deadline_ = clock_.steady_now() + job_.window;
        return true;
    }

    // The generation after our commit: any other at rollback time means
    // someone changed the ruleset during the wait.
    void report_applied() {
        applied_generation_ = kernel_.generation();
        events_.say(Event::applied,
                    fmt::format("applied {} from {} at {}: {} messages, kernel {:.1f} ms; the "
                                "previous tables come back at {} unless confirmed",
                                tables_text(job_.ruleset), job_.what, clock_time(applied_at_),
                                applied_.messages, applied_.kernel_ms,
                                clock_time(applied_at_ + job_.window)));
    }

    // "" once confirmed, else why the previous table must come back.
    std::string wait_for_confirmation() {
        const Wakeup wakeup = inbox_.wait(deadline_);
        switch (wakeup.kind) {
        case Wakeup::Kind::confirm:
            confirm();
            return {};
        case Wakeup::Kind::rollback:
            inbox_.answer("ok: restoring the previous tables now");
            return "the admin interrupted apply --confirm (Ctrl-C)";
        case Wakeup::Kind::signal:
            return fmt::format("the keeper was sent {} by pid {}", wakeup.signal, wakeup.sender);
        case Wakeup::Kind::deadline:
            break;
        }
        return fmt::format("no confirmation within {} s", job_.window.count());
    }

    // The foreground hears it before the client that confirmed gets its answer.
    void confirm() {
        const auto now = clock_.wall_now();
        const auto early = std::chrono::duration<double>(deadline_ - clock_.steady_now());
        const std::string text = fmt::format(
            "confirmed at {}: phx-fw's tables stay as applied at {} ({:.1f} s before the "
            "rollback was due)",
            clock_time(now), clock_time(applied_at_), early.count());
        events_.say(Event::confirmed, text);
        inbox_.answer("ok: " + text);
    }

    int roll_back(const std::string& why);
    std::string change_note(std::uint32_t now);

    const KeeperJob& job_;
    Kernel& kernel_;
    Clock& clock_;
    Inbox& inbox_;
    EventSink& events_;
    netlink::Outcome applied_;
    std::uint32_t applied_generation_ = 0;
    std::chrono::system_clock::time_point applied_at_;
    std::chrono::steady_clock::time_point deadline_;
};

// The rollback is one transaction against the generation read just before
// it. If the ruleset changed during the wait, the admin hears about it, and
// the previous table still comes back: the promise is "no lockout", and a
// table that is not the confirmed one must not outlive the window.
int Keeper::roll_back(const std::string& why) {
    events_.log("restoring: " + why);
    std::string error;
    for (int attempt = 0; attempt < kRestoreAttempts; ++attempt) {
        try {
            const std::uint32_t now = kernel_.generation();
            if (attempt == 0 && now != applied_generation_)
                events_.say(Event::note, change_note(now));
            const netlink::Outcome out = kernel_.restore(job_.previous, now);
            if (out.ok) {
                events_.say(Event::rolled_back,
                            fmt::format("{}: at {} {}", why, clock_time(clock_.wall_now()),
                                        trimmed(out.report)));
                return kRolledBack;
            }
            error = trimmed(out.report);
            if (!out.generation_changed)
                break; // refused for good: sending it again changes nothing
        } catch (const std::exception& e) {
            error = e.what(); // no socket, no memory: worth another try in a moment
            clock_.sleep(kRetryPause);
        }
    }
    events_.say(Event::failed,
                fmt::format("{}, but the previous tables could not be restored: {}; phx-fw's "
                            "tables stay as applied",
                            why, error));
    return kFailed;
}

std::string Keeper::change_note(std::uint32_t now) {
    const ir::Ruleset live = kernel_.read_live();
    const TextStyle canonical{false, true};
    const char* what = live.tables.empty() ? "phx-fw's tables were removed"
                       : to_nft_text(live, canonical) != to_nft_text(job_.ruleset, canonical)
                           ? "phx-fw's tables themselves were changed"
                           : "another table changed (phx-fw's are as applied)";
    return fmt::format("the ruleset changed during the wait (generation {} after the apply, {} "
                       "now): {}. Restoring the previous tables anyway; no other table is touched",
                       applied_generation_, now, what);
}

} // namespace

std::string tables_text(const ir::Ruleset& ruleset) {
    std::vector<std::string> names;
    for (const auto& table : ruleset.tables)
        names.push_back(fmt::format("table {} {}", ir::to_string(table.family), table.name));
    if (names.empty()) return "no table";
    return fmt::format("{}", fmt::join(names, " and "));
}

int keep(const KeeperJob& job, const KeeperPorts& ports) {
    return Keeper{job, ports}.run();
}

} // namespace phx::fw::confirm

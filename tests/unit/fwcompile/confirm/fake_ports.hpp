// SPDX-License-Identifier: GPL-3.0-or-later
// Stand-ins for the keeper's kernel, clock, inbox and event sink, so its
// state machine runs in a unit test: no root, no netlink, no waiting. They
// share a journal of what happened in which order ("apply@40", "wait",
// "close", "restore@41", "say confirmed", ...).
#pragma once

#include "fwcompile/confirm/keeper.hpp"

#include <cerrno>
#include <deque>
#include <fmt/format.h>
#include <functional>
#include <system_error>
#include <vector>

namespace phx::fw::confirm::test {

using Journal = std::vector<std::string>;

// Both clocks move only when told. They start far from today, so a time
// taken from the machine's clock instead would show.
class FakeClock final : public Clock {
public:
    std::chrono::steady_clock::time_point steady{std::chrono::hours{1000}};
    std::chrono::system_clock::time_point wall{std::chrono::seconds{981173106}}; // 2001-02-03
    std::vector<std::chrono::milliseconds> sleeps;

    std::chrono::steady_clock::time_point steady_now() override { return steady; }
    std::chrono::system_clock::time_point wall_now() override { return wall; }
    void sleep(std::chrono::milliseconds pause) override {
        sleeps.push_back(pause);
        advance(pause);
    }
    void advance(std::chrono::steady_clock::duration d) {
        steady += d;
        wall += std::chrono::duration_cast<std::chrono::system_clock::duration>(d);
    }
};

// Like nf_tables: a transaction at a stale generation is refused, every
// commit moves the generation on. Faults are scripted per call.
class FakeKernel final : public Kernel {
public:
    explicit FakeKernel(Journal& journal) : journal_{journal} {}

    struct Restore {
        ir::Ruleset previous;
        std::uint32_t generation;
    };

    std::uint32_t ruleset_generation = 40;
    ir::Ruleset live;               // phx-fw's tables as the kernel holds them
    bool apply_throws = false;      // no socket for the apply
    bool refuse_apply = false;      // the new table holds something the kernel rejects
    bool refuse_restores = false;   // refused for good, not for a stale generation
    int commits_before_restore = 0; // someone commits just before each of the next N restores
    int restores_throwing = 0;      // the next N restores find no socket
    std::vector<Restore> restores;  // every restore that reached the kernel

    std::uint32_t generation() override { return ruleset_generation; }

    netlink::Outcome apply(const ir::Ruleset& ruleset, std::uint32_t generation) override {
        if (apply_throws)
            throw std::system_error(EPERM, std::generic_category(), "cannot open a socket");
        journal_.push_back(fmt::format("apply@{}", generation));
        if (refuse_apply)
            return refused("rules.toml:31: the kernel refused rule 1 of chain input: Invalid "
                           "argument\nnothing was applied: the live ruleset is unchanged\n");
        if (generation != ruleset_generation) return stale(generation);
        live = ruleset;
        ++ruleset_generation;
        netlink::Outcome out;
        out.ok = true;
        out.messages = 12;
        out.kernel_ms = 1.54;
        return out;
    }

    netlink::Outcome restore(const ir::Ruleset& previous, std::uint32_t generation) override {
        if (restores_throwing > 0) {
            --restores_throwing;
            throw std::system_error(EMFILE, std::generic_category(), "cannot open a socket");
        }
        journal_.push_back(fmt::format("restore@{}", generation));
        restores.push_back({previous, generation});
        if (commits_before_restore > 0) {
            --commits_before_restore;
            ++ruleset_generation;
        }
        if (refuse_restores) return refused("the kernel refused the whole batch: Out of memory\n");
        if (generation != ruleset_generation) return stale(generation);
        live = previous;
        ++ruleset_generation;
        netlink::Outcome out;
        out.ok = true;
        out.report = !previous.tables.empty()
                         ? "restored the previous table inet phx (counters included) in one "
                           "transaction (9 messages, kernel 0.8 ms)\n"
                         : "removed phx-fw's tables, as there were none before in one "
                           "transaction (1 messages, kernel 0.2 ms)\n";
        return out;
    }

    ir::Ruleset read_live() override { return live; }

private:
    static netlink::Outcome refused(std::string report) {
        netlink::Outcome out;
        out.report = std::move(report);
        return out;
    }
    static netlink::Outcome stale(std::uint32_t generation) {
        netlink::Outcome out = refused(
            fmt::format("the ruleset changed after phx-fw read its generation ({}): another "
                        "program modified nf_tables meanwhile. Run the command again.\n",
                        generation));
        out.generation_changed = true;
        return out;
    }

    Journal& journal_;
};

// What happens during one wait: time passes, something may be done
// meanwhile (another program changes the ruleset, poll() fails by
// throwing), then the wait ends with `wakeup`, or at the deadline.
struct Step {
    std::chrono::milliseconds after{0};
    std::optional<Wakeup> wakeup;
    std::function<void()> meanwhile;
};

class FakeInbox final : public Inbox {
public:
    FakeInbox(FakeClock& clock, Journal& journal) : clock_{clock}, journal_{journal} {}

    std::deque<Step> script;                                      // one step per wait
    std::vector<std::chrono::steady_clock::time_point> deadlines; // each wait's
    std::vector<std::string> answers;                             // to the clients

    Wakeup wait(std::chrono::steady_clock::time_point deadline) override {
        journal_.push_back("wait");
        deadlines.push_back(deadline);
        Step step = script.empty() ? Step{} : std::move(script.front());
        if (!script.empty()) script.pop_front();
        clock_.advance(step.after);
        if (step.meanwhile) step.meanwhile();
        if (step.wakeup) return *step.wakeup;
        if (clock_.steady < deadline) clock_.advance(deadline - clock_.steady);
        return Wakeup::of(Wakeup::Kind::deadline);
    }
    void answer(const std::string& text) override {
        journal_.push_back("answer");
        answers.push_back(text);
    }
    void close() override { journal_.push_back("close"); }

private:
    FakeClock& clock_;
    Journal& journal_;
};

class RecordingSink final : public EventSink {
public:
    explicit RecordingSink(Journal& journal) : journal_{journal} {}

    struct Said {
        Event event;
        std::string text;
    };
    std::vector<Said> said;
    std::vector<std::string> logged; // log-only lines

    void say(Event event, const std::string& text) override {
        journal_.push_back(fmt::format("say {}", to_string(event)));
        said.push_back({event, text});
    }
    void log(const std::string& text) override { logged.push_back(text); }

    [[nodiscard]] std::vector<Event> events() const {
        std::vector<Event> out;
        for (const auto& s : said) out.push_back(s.event);
        return out;
    }

private:
    Journal& journal_;
};

// The four fakes, wired together.
struct FakeWorld {
    Journal journal;
    FakeClock clock;
    FakeKernel kernel{journal};
    FakeInbox inbox{clock, journal};
    RecordingSink events{journal};

    [[nodiscard]] KeeperPorts ports() { return {kernel, clock, inbox, events}; }
};

} // namespace phx::fw::confirm::test

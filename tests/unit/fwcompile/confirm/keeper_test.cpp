// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's state machine against a fake kernel, clock and inbox: what it
// applies, when it gives up waiting, what it restores at which generation,
// how often it retries, and what it tells the foreground.
#include "fwcompile/confirm/keeper.hpp"
#include "fwcompile/nft_text.hpp"
#include "unit/fwcompile/confirm/fake_ports.hpp"

#include <doctest/doctest.h>

using namespace phx::fw;
using namespace phx::fw::confirm;
using namespace phx::fw::confirm::test;
using namespace std::chrono_literals;

namespace {

const std::string kWhat = "rules.toml (the hypervisor target)";
const std::string kRestored = "restored the previous table inet phx (counters included) in one "
                              "transaction (9 messages, kernel 0.8 ms)";

// phx-fw's tables: a table inet phx with one input chain; `mark` tells them apart.
ir::Ruleset table_marked(const std::string& mark, bool policy_drop) {
    ir::Rule rule;
    rule.matches.emplace_back(ir::CtStateMatch{ir::kCtEstablished | ir::kCtRelated});
    rule.verdict = ir::Verdict::accept;
    rule.comment = mark;
    ir::Chain input;
    input.name = "input";
    input.policy_drop = policy_drop;
    input.rules.push_back(rule);
    ir::Table table;
    table.chains.push_back(input);
    ir::Ruleset ruleset;
    ruleset.tables.push_back(table);
    return ruleset;
}

std::string text(const ir::Ruleset& ruleset) {
    return ruleset.tables.empty() ? "(no tables)" : to_nft_text(ruleset, TextStyle{false, true});
}

// The old table is live at the generation the job was saved at.
KeeperJob job_in(FakeWorld& world) {
    KeeperJob job;
    job.ruleset = table_marked("new", true);
    job.previous = table_marked("old", false);
    job.generation = world.kernel.ruleset_generation;
    job.window = 30s;
    job.what = kWhat;
    world.kernel.live = job.previous;
    return job;
}

std::vector<std::uint32_t> restore_generations(const FakeKernel& kernel) {
    std::vector<std::uint32_t> out;
    for (const auto& r : kernel.restores) out.push_back(r.generation);
    return out;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("keeper: applies at the snapshot's generation and says when the rollback is due") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    const auto steady0 = w.clock.steady;
    const auto wall0 = w.clock.wall;
    w.inbox.script.push_back({3s, Wakeup::of(Wakeup::Kind::confirm), {}});

    CHECK(keep(job, w.ports()) == kConfirmed);
    CHECK(w.journal.front() == "apply@40");
    REQUIRE_FALSE(w.events.said.empty());
    CHECK(w.events.said[0].event == Event::applied);
    CHECK(w.events.said[0].text ==
          fmt::format("applied table inet phx from {} at {}: 12 messages, kernel 1.5 ms; the "
                      "previous tables come back at {} unless confirmed",
                      kWhat, clock_time(wall0), clock_time(wall0 + 30s)));
    CHECK(w.inbox.deadlines == std::vector{steady0 + 30s});
}

TEST_CASE("keeper: a confirmation before the deadline keeps the new table and restores nothing") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    const auto wall0 = w.clock.wall;
    w.inbox.script.push_back({3s, Wakeup::of(Wakeup::Kind::confirm), {}});

    CHECK(keep(job, w.ports()) == kConfirmed);
    CHECK(w.kernel.restores.empty());
    CHECK(text(w.kernel.live) == text(job.ruleset));
    const std::string confirmed =
        fmt::format("confirmed at {}: phx-fw's tables stay as applied at {} (27.0 s before the "
                    "rollback was due)",
                    clock_time(wall0 + 3s), clock_time(wall0));
    CHECK(w.events.events() == std::vector{Event::applied, Event::confirmed});
    CHECK(w.events.said.back().text == confirmed);
    CHECK(w.inbox.answers == std::vector<std::string>{"ok: " + confirmed});
    // The foreground hears it before the client gets its answer; then the socket goes.
    CHECK(w.journal ==
          Journal{"apply@40", "say applied", "wait", "say confirmed", "answer", "close"});
}

TEST_CASE("keeper: at the deadline the previous table comes back at the generation just read") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    const auto wall0 = w.clock.wall;

    CHECK(keep(job, w.ports()) == kRolledBack);
    REQUIRE(w.kernel.restores.size() == 1);
    CHECK(w.kernel.restores[0].generation == 41); // the one our apply made
    CHECK(text(w.kernel.restores[0].previous) == text(job.previous));
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.events.events() == std::vector{Event::applied, Event::rolled_back});
    CHECK(w.events.said.back().text ==
          fmt::format("no confirmation within 30 s: at {} {}", clock_time(wall0 + 30s), kRestored));
    CHECK(w.events.logged == std::vector<std::string>{"restoring: no confirmation within 30 s"});
    // The socket goes first, so a confirm that comes too late finds nothing.
    CHECK(w.journal ==
          Journal{"apply@40", "say applied", "wait", "close", "restore@41", "say rolled-back"});
}

TEST_CASE("keeper: a signal restores at once and names the signal and its sender") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    const auto steady0 = w.clock.steady;
    const auto wall0 = w.clock.wall;
    w.inbox.script.push_back({2s, Wakeup::by_signal("SIGTERM", 4242), {}});

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(w.clock.steady == steady0 + 2s); // not a moment waited for the deadline
    CHECK(w.kernel.restores.size() == 1);
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.events.said.back().event == Event::rolled_back);
    CHECK(w.events.said.back().text ==
          fmt::format("the keeper was sent SIGTERM by pid 4242: at {} {}", clock_time(wall0 + 2s),
                      kRestored));
    CHECK(w.inbox.answers.empty());
}

TEST_CASE("keeper: a rollback command is answered and restores at once") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.inbox.script.push_back({5s, Wakeup::of(Wakeup::Kind::rollback), {}});

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(w.inbox.answers == std::vector<std::string>{"ok: restoring the previous tables now"});
    CHECK(starts_with(w.events.said.back().text,
                      "the admin interrupted apply --confirm (Ctrl-C): at "));
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.journal == Journal{"apply@40", "say applied", "wait", "answer", "close", "restore@41",
                               "say rolled-back"});
}

TEST_CASE("keeper: a restore refused because the ruleset just changed is sent again at the new "
          "generation") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.commits_before_restore = 2;

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(restore_generations(w.kernel) == std::vector<std::uint32_t>{41, 42, 43});
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.events.events() == std::vector{Event::applied, Event::rolled_back});
    CHECK(w.clock.sleeps.empty()); // a refusal is answered at once: no pause needed
}

TEST_CASE("keeper: after five refused restores the keeper gives up and says the new table stays") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.commits_before_restore = 100; // something rewrites the ruleset in a loop

    CHECK(keep(job, w.ports()) == kFailed);
    CHECK(restore_generations(w.kernel) == std::vector<std::uint32_t>{41, 42, 43, 44, 45});
    CHECK(text(w.kernel.live) == text(job.ruleset));
    CHECK(w.events.events() == std::vector{Event::applied, Event::failed});
    CHECK(w.events.said.back().text ==
          "no confirmation within 30 s, but the previous tables could not be restored: the "
          "ruleset changed after phx-fw read its generation (45): another program modified "
          "nf_tables meanwhile. Run the command again.; phx-fw's tables stay as applied");
}

TEST_CASE("keeper: a restore refused for another reason is not sent again") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.refuse_restores = true;

    CHECK(keep(job, w.ports()) == kFailed);
    CHECK(w.kernel.restores.size() == 1);
    CHECK(w.events.said.back().event == Event::failed);
    CHECK(w.events.said.back().text ==
          "no confirmation within 30 s, but the previous tables could not be restored: the kernel "
          "refused the whole batch: Out of memory; phx-fw's tables stay as applied");
}

TEST_CASE("keeper: a restore that throws is tried again after a pause on the keeper's clock") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    const auto wall0 = w.clock.wall;
    w.kernel.restores_throwing = 2;

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(w.clock.sleeps == std::vector<std::chrono::milliseconds>{200ms, 200ms});
    CHECK(w.kernel.restores.size() == 1);
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.events.said.back().text == fmt::format("no confirmation within 30 s: at {} {}",
                                                   clock_time(wall0 + 30400ms), kRestored));
}

TEST_CASE("keeper: a restore that never gets a socket fails after five tries and says why") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.restores_throwing = 100;

    CHECK(keep(job, w.ports()) == kFailed);
    CHECK(w.clock.sleeps.size() == 5);
    CHECK(w.kernel.restores.empty());
    CHECK(w.events.said.back().event == Event::failed);
    CHECK(w.events.said.back().text ==
          "no confirmation within 30 s, but the previous tables could not be restored: cannot "
          "open a socket: Too many open files; phx-fw's tables stay as applied");
}

TEST_CASE("keeper: an apply the kernel refuses fails at once, without a wait or a restore") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.refuse_apply = true;

    CHECK(keep(job, w.ports()) == kFailed);
    CHECK(w.inbox.deadlines.empty());
    CHECK(w.kernel.restores.empty());
    CHECK(text(w.kernel.live) == text(job.previous));
    REQUIRE(w.events.said.size() == 1);
    CHECK(w.events.said[0].event == Event::failed);
    CHECK(w.events.said[0].text == "rules.toml:31: the kernel refused rule 1 of chain input: "
                                   "Invalid argument\nnothing was applied: the live ruleset is "
                                   "unchanged");
    CHECK(w.journal == Journal{"apply@40", "say failed", "close"});
}

TEST_CASE("keeper: an apply at a generation the ruleset has left is refused and fails") {
    FakeWorld w;
    KeeperJob job = job_in(w);
    job.generation = 39; // the snapshot is older than the live ruleset

    CHECK(keep(job, w.ports()) == kFailed);
    CHECK(w.inbox.deadlines.empty());
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(w.events.events() == std::vector{Event::failed});
}

TEST_CASE("keeper: an apply that cannot reach the kernel throws and nothing is waited for") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.kernel.apply_throws = true;

    CHECK_THROWS_WITH_AS((void)keep(job, w.ports()),
                         "cannot open a socket: Operation not permitted", std::system_error);
    CHECK(w.inbox.deadlines.empty());
    CHECK(w.events.said.empty());
}

TEST_CASE("keeper: a change to the ruleset during the wait is noted before the rollback") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    std::string expected;
    std::function<void()> change;
    SUBCASE("another table (moving counters are no change to ours)") {
        change = [&] { w.kernel.live.tables[0].chains[0].rules[0].counts = {7, 420}; };
        expected = "another table changed (phx-fw's are as applied)";
    }
    SUBCASE("phx-fw's tables themselves") {
        change = [&] { w.kernel.live.tables[0].chains[0].rules.push_back(ir::Rule{}); };
        expected = "phx-fw's tables themselves were changed";
    }
    SUBCASE("phx-fw's tables removed") {
        change = [&] { w.kernel.live.tables.clear(); };
        expected = "phx-fw's tables were removed";
    }
    w.inbox.script.push_back({10s, std::nullopt, [&] {
                                  change();
                                  ++w.kernel.ruleset_generation; // that commit
                              }});

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(w.events.events() == std::vector{Event::applied, Event::note, Event::rolled_back});
    CHECK(w.events.said[1].text ==
          fmt::format("the ruleset changed during the wait (generation 41 after the apply, 42 "
                      "now): {}. Restoring the previous tables anyway; no other table is "
                      "touched",
                      expected));
    CHECK(restore_generations(w.kernel) == std::vector<std::uint32_t>{42});
    CHECK(text(w.kernel.live) == text(job.previous));
}

TEST_CASE("keeper: without previous tables the rollback removes phx-fw's tables") {
    FakeWorld w;
    KeeperJob job = job_in(w);
    job.previous.tables.clear();
    w.kernel.live.tables.clear();
    const auto wall0 = w.clock.wall;

    CHECK(keep(job, w.ports()) == kRolledBack);
    REQUIRE(w.kernel.restores.size() == 1);
    CHECK(w.kernel.restores[0].previous.tables.empty());
    CHECK(w.kernel.live.tables.empty());
    CHECK(w.events.said.back().text ==
          fmt::format("no confirmation within 30 s: at {} removed phx-fw's tables, as there were "
                      "none before in one transaction (1 messages, kernel 0.2 ms)",
                      clock_time(wall0 + 30s)));
}

TEST_CASE("keeper: a failure while waiting still restores the previous table") {
    FakeWorld w;
    const KeeperJob job = job_in(w);
    w.inbox.script.push_back({1s, std::nullopt, [] {
                                  throw std::system_error(EBADF, std::generic_category(), "poll");
                              }});

    CHECK(keep(job, w.ports()) == kRolledBack);
    CHECK(text(w.kernel.live) == text(job.previous));
    CHECK(starts_with(w.events.said.back().text,
                      "the keeper failed while waiting (poll: Bad file descriptor): at "));
    CHECK(w.journal ==
          Journal{"apply@40", "say applied", "wait", "close", "restore@41", "say rolled-back"});
}

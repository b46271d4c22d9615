// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's events: their names on the pipe, and the real sink's lines
// on the pipe and in the log, also once the foreground is gone.
#include "fwcompile/confirm/events.hpp"
#include "unit/fwcompile/confirm/fake_ports.hpp"

#include <csignal>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

using namespace phx;
using namespace phx::fw::confirm;
using namespace phx::fw::confirm::test;

namespace {

struct Pipe {
    Fd read_end, write_end;
    Pipe() {
        int ends[2];
        REQUIRE(::pipe2(ends, O_CLOEXEC) == 0);
        read_end = Fd{ends[0]};
        write_end = Fd{ends[1]};
    }
};

std::string drained(const Fd& fd) {
    std::string out;
    char buffer[512];
    for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) > 0;)
        out.append(buffer, static_cast<std::size_t>(n));
    return out;
}

std::string contents(std::FILE* file) {
    std::rewind(file);
    std::string out;
    for (int c; (c = std::fgetc(file)) != EOF;) out += static_cast<char>(c);
    return out;
}

} // namespace

TEST_CASE("events: every kind reads back as itself, and unknown kinds as none") {
    for (const auto e :
         {Event::applied, Event::note, Event::confirmed, Event::rolled_back, Event::failed})
        CHECK(event_of(to_string(e)) == e);
    CHECK(to_string(Event::rolled_back) == "rolled-back");
    CHECK_FALSE(event_of("rolled_back").has_value());
    CHECK_FALSE(event_of("").has_value());
}

TEST_CASE("event sink: one tab-separated line per event on the pipe, every line in the log") {
    FakeClock clock;
    Pipe pipe;
    std::FILE* log = std::tmpfile();
    REQUIRE(log != nullptr);
    {
        const auto sink = pipe_and_log(std::move(pipe.write_end), log, "net:[4026531840]", clock);
        sink->say(Event::applied, "applied table inet phx");
        sink->say(Event::note, "the ruleset changed");
        sink->log("restoring: no confirmation within 30 s");
        sink->say(Event::failed, "could not be restored");
    } // the sink closes its end of the pipe
    CHECK(drained(pipe.read_end) == "applied\tapplied table inet phx\n"
                                    "note\tthe ruleset changed\n"
                                    "failed\tcould not be restored\n");
    const std::string at = log_time(clock.wall) + " net:[4026531840] ";
    CHECK(contents(log) == at + "applied table inet phx\n" + at + "warning: the ruleset changed\n" +
                               at + "restoring: no confirmation within 30 s\n" + at +
                               "error: could not be restored\n");
    std::fclose(log);
}

TEST_CASE("event sink: a foreground that is gone changes nothing for the log") {
    // As in the keeper (detach()): a write to a closed pipe says EPIPE instead of killing.
    const auto previous = std::signal(SIGPIPE, SIG_IGN);
    FakeClock clock;
    Pipe pipe;
    std::FILE* log = std::tmpfile();
    REQUIRE(log != nullptr);
    const auto sink = pipe_and_log(std::move(pipe.write_end), log, "net:[1]", clock);
    pipe.read_end.reset();

    CHECK_NOTHROW(sink->say(Event::rolled_back, "restored"));
    CHECK_NOTHROW(sink->say(Event::rolled_back, "and again"));
    const std::string at = log_time(clock.wall) + " net:[1] ";
    CHECK(contents(log) == at + "restored\n" + at + "and again\n");
    std::fclose(log);
    std::signal(SIGPIPE, previous);
}

// SPDX-License-Identifier: GPL-3.0-or-later
// What the keeper tells: events for the foreground that follows it (one line
// each on a pipe, "<kind>\t<text>") and lines for its log. The sink is an
// interface so a unit test can record what the keeper said.
#pragma once

#include "common/fd.hpp"
#include "fwcompile/confirm/clock.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace phx::fw::confirm {

enum class Event { applied, note, confirmed, rolled_back, failed };
[[nodiscard]] std::string_view to_string(Event e);
[[nodiscard]] std::optional<Event> event_of(std::string_view kind);

class EventSink {
public:
    virtual ~EventSink() = default;

    // Tells the foreground, if it still listens, and logs the text.
    virtual void say(Event event, const std::string& text) = 0;
    // A line for the log only.
    virtual void log(const std::string& text) = 0;
};

// Events go to `pipe` (best effort: once the foreground is gone, nothing
// more is sent); every event and log line goes to `log` as
// "<date> <time> <netns> <text>", failures marked "error: " and notes
// "warning: ". Writing never throws: a full disk must not stop a rollback.
[[nodiscard]] std::unique_ptr<EventSink> pipe_and_log(Fd pipe, std::FILE* log, std::string netns,
                                                      Clock& clock);

} // namespace phx::fw::confirm

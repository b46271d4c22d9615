// SPDX-License-Identifier: GPL-3.0-or-later
// The spelling of the keeper's events, and the sink that writes them to the
// foreground's pipe and to the log; see events.hpp.
#include "fwcompile/confirm/events.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace phx::fw::confirm {
namespace {

class PipeAndLog final : public EventSink {
public:
    PipeAndLog(Fd pipe, std::FILE* log, std::string netns, Clock& clock)
        : pipe_{std::move(pipe)}, log_{log}, netns_{std::move(netns)}, clock_{clock} {}

    void say(Event event, const std::string& text) override {
        const std::string line = fmt::format("{}\t{}\n", to_string(event), text);
        // The foreground may be gone (EPIPE), and that changes nothing.
        if (pipe_.valid() && ::write(pipe_.get(), line.data(), line.size()) < 0) pipe_.reset();
        const char* prefix = event == Event::failed ? "error: "
                             : event == Event::note ? "warning: "
                                                    : "";
        log(prefix + text);
    }

    void log(const std::string& text) override {
        const std::string line =
            fmt::format("{} {} {}\n", log_time(clock_.wall_now()), netns_, text);
        std::fputs(line.c_str(), log_);
        std::fflush(log_);
    }

private:
    Fd pipe_;
    std::FILE* log_;
    std::string netns_;
    Clock& clock_;
};

} // namespace

std::string_view to_string(Event e) {
    switch (e) {
    case Event::applied:
        return "applied";
    case Event::note:
        return "note";
    case Event::confirmed:
        return "confirmed";
    case Event::rolled_back:
        return "rolled-back";
    case Event::failed:
        return "failed";
    }
    return "note";
}

std::optional<Event> event_of(std::string_view kind) {
    for (const auto e :
         {Event::applied, Event::note, Event::confirmed, Event::rolled_back, Event::failed})
        if (to_string(e) == kind) return e;
    return std::nullopt;
}

std::unique_ptr<EventSink> pipe_and_log(Fd pipe, std::FILE* log, std::string netns, Clock& clock) {
    return std::make_unique<PipeAndLog>(std::move(pipe), log, std::move(netns), clock);
}

} // namespace phx::fw::confirm

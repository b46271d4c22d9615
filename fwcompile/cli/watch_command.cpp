// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw watch: the drops phx-fw's chains log, one report each as they
// happen, in the rules file's terms (watch/describe.hpp).
#include "common/fd.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/cli/load_target.hpp"
#include "fwcompile/watch/describe.hpp"
#include "fwcompile/watch/nflog.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fmt/format.h>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <system_error>
#include <vector>

namespace phx::fw::cli {
namespace {

using Clock = std::chrono::steady_clock;

// SIGINT and SIGTERM arrive as readable data on a descriptor, so one poll()
// waits for packets, a signal and the deadline alike, without a race.
Fd signal_descriptor() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    if (sigprocmask(SIG_BLOCK, &signals, nullptr) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot block SIGINT and SIGTERM");
    Fd fd{signalfd(-1, &signals, SFD_CLOEXEC)};
    if (!fd.valid())
        throw std::system_error(errno, std::generic_category(), "cannot open a signalfd");
    return fd;
}

// Milliseconds to wait for the next event: forever without --seconds.
int wait_ms(const std::optional<Clock::time_point>& deadline) {
    if (!deadline) return -1;
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

class Watch {
public:
    Watch(const RuleSet& rules, unsigned count) : rules_{rules}, count_{count} {}

    // Reports each drop until --count are out, the deadline passes or a
    // signal comes. The deadline is checked on every turn: a flood of
    // packets never lets poll() time out.
    void run(watch::NflogSubscription& subscription, int signals,
             std::optional<Clock::time_point> deadline) {
        while (!deadline || Clock::now() < *deadline) {
            pollfd fds[] = {{subscription.fd(), POLLIN, 0}, {signals, POLLIN, 0}};
            if (poll(fds, 2, wait_ms(deadline)) < 0 && errno != EINTR)
                throw std::system_error(errno, std::generic_category(), "poll");
            if (fds[1].revents != 0) return; // SIGINT or SIGTERM
            if (fds[0].revents != 0 && show(subscription.receive())) return;
            note_overruns(subscription.overruns());
        }
    }
    [[nodiscard]] unsigned shown() const noexcept { return shown_; }

private:
    // Prints what is phx-fw's; true once --count reports are out.
    bool show(const std::vector<watch::DroppedPacket>& drops) {
        for (const auto& drop : drops) {
            const auto report = watch::describe(rules_, drop);
            if (!report) continue; // another program's log message in the same group
            const std::string text =
                watch::format_report(rules_, *report, watch::local_time_text(drop.timestamp));
            std::fputs(text.c_str(), stdout);
            std::fflush(stdout); // a pipe would otherwise hold the report back
            if (++shown_ == count_) return true;
        }
        return false;
    }

    void note_overruns(std::uint64_t overruns) {
        if (overruns == overruns_) return;
        overruns_ = overruns;
        std::fputs("phx-fw: the kernel dropped log messages (too many at once); some drops are "
                   "not shown\n",
                   stderr);
    }

    const RuleSet& rules_;
    unsigned count_; // 0: no limit
    unsigned shown_ = 0;
    std::uint64_t overruns_ = 0;
};

void say_what_is_watched(const Options& o, const RuleSet& rules) {
    fmt::print(stderr,
               "phx-fw: watching NFLOG group {} for drops of phx-fw's chains in this network "
               "namespace, described from {} (Ctrl-C stops)\n",
               rules.logging.group, o.rules);
    if (!rules.logging.drops)
        fmt::print(stderr,
                   "phx-fw: note: [logging] drops = false in {}: the chains it compiles "
                   "log nothing\n",
                   o.rules);
}

} // namespace

int watch(const Options& o) {
    const auto loaded = load_for(o, Lifetime::keeps_running);
    if (!loaded) return kFailed;
    const RuleSet& rules = loaded->rules;
    const Fd signals = signal_descriptor();
    watch::NflogSubscription subscription{rules.logging.group};
    say_what_is_watched(o, rules);
    std::optional<Clock::time_point> deadline;
    if (o.seconds > 0) deadline = Clock::now() + std::chrono::seconds{o.seconds};
    Watch w{rules, o.count};
    w.run(subscription, signals.get(), deadline);
    fmt::print(stderr, "phx-fw: {} drop(s) shown\n", w.shown());
    return kOk;
}

} // namespace phx::fw::cli

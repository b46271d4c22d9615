// SPDX-License-Identifier: GPL-3.0-or-later
// How the keeper waits for something to happen: a client's command on the
// unix socket ("confirm", "rollback"), a signal sent to the keeper, or the
// deadline. An interface, so a unit test can script what happens and when.
#pragma once

#include "common/fd.hpp"
#include "fwcompile/confirm/clock.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace phx::fw::confirm {

// What ended a wait.
struct Wakeup {
    enum class Kind { confirm, rollback, signal, deadline };
    Kind kind = Kind::deadline;
    std::string signal;       // "SIGTERM", for Kind::signal
    std::uint32_t sender = 0; // the pid that sent the signal

    [[nodiscard]] static Wakeup of(Kind kind) { return {kind, {}, 0}; }
    [[nodiscard]] static Wakeup by_signal(std::string name, std::uint32_t sender) {
        return {Kind::signal, std::move(name), sender};
    }
};

class Inbox {
public:
    virtual ~Inbox() = default;

    // Blocks until a client sends "confirm" or "rollback", a signal arrives,
    // or `deadline` passes. Other clients (unknown commands, other users) are
    // answered here and the wait goes on. Throws when waiting itself fails.
    [[nodiscard]] virtual Wakeup wait(std::chrono::steady_clock::time_point deadline) = 0;

    // Answers the client whose command the last wait() returned with one
    // line ("ok: ..."), and hangs up.
    virtual void answer(const std::string& text) = 0;

    // Stops taking commands: from here on `phx-fw confirm` finds nothing to
    // confirm.
    virtual void close() = 0;
};

// The real inbox: polls `listener` (bound at `socket_path`, which close()
// removes) and a signalfd for SIGTERM, SIGINT and SIGHUP. Those signals are
// blocked from this call on, so one sent even before the first wait() ends
// that wait instead of the process; throws if they cannot be. Only root or
// this process's user may confirm or roll back, and a client that says
// nothing is cut off, so it cannot push the rollback past its time.
[[nodiscard]] std::unique_ptr<Inbox> socket_inbox(Fd listener, std::string socket_path,
                                                  Clock& clock);

} // namespace phx::fw::confirm

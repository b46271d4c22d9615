// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's clock, injected so its deadline, its retry pause and the
// times it reports can be driven by a unit test instead of waited for.
#pragma once

#include <chrono>
#include <string>

namespace phx::fw::confirm {

class Clock {
public:
    virtual ~Clock() = default;

    // For deadlines and how long something took: never jumps.
    [[nodiscard]] virtual std::chrono::steady_clock::time_point steady_now() = 0;
    // For what people read: the times in events and log lines.
    [[nodiscard]] virtual std::chrono::system_clock::time_point wall_now() = 0;
    virtual void sleep(std::chrono::milliseconds pause) = 0;
};

// The clocks of the machine; one instance for the whole process.
[[nodiscard]] Clock& real_clock();

// "22:16:20" in local time.
[[nodiscard]] std::string clock_time(std::chrono::system_clock::time_point t);

// "2024-05-01 22:16:20" in local time: the start of each log line.
[[nodiscard]] std::string log_time(std::chrono::system_clock::time_point t);

} // namespace phx::fw::confirm

// SPDX-License-Identifier: GPL-3.0-or-later
// The machine's clocks behind Clock, and how the keeper writes a time; see
// clock.hpp.
#include "fwcompile/confirm/clock.hpp"

#include <ctime>
#include <thread>

namespace phx::fw::confirm {
namespace {

class RealClock final : public Clock {
public:
    std::chrono::steady_clock::time_point steady_now() override {
        return std::chrono::steady_clock::now();
    }
    std::chrono::system_clock::time_point wall_now() override {
        return std::chrono::system_clock::now();
    }
    void sleep(std::chrono::milliseconds pause) override { std::this_thread::sleep_for(pause); }
};

std::string local_time(std::chrono::system_clock::time_point t, const char* format) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
    std::tm parts{};
    localtime_r(&seconds, &parts);
    char text[64];
    return std::strftime(text, sizeof text, format, &parts) ? text : "?";
}

} // namespace

Clock& real_clock() {
    static RealClock clock;
    return clock;
}

std::string clock_time(std::chrono::system_clock::time_point t) {
    return local_time(t, "%H:%M:%S");
}

std::string log_time(std::chrono::system_clock::time_point t) {
    return local_time(t, "%Y-%m-%d %H:%M:%S");
}

} // namespace phx::fw::confirm

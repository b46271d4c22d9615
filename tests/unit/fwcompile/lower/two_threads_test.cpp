// SPDX-License-Identifier: GPL-3.0-or-later
// run_beside: both pieces run, the second on a thread of its own, and what
// either throws reaches the caller only once both are done.
#include "fwcompile/lower/two_threads.hpp"

#include <atomic>
#include <chrono>
#include <doctest/doctest.h>
#include <stdexcept>
#include <thread>

using phx::fw::detail::run_beside;

TEST_CASE("run_beside: both run, the second on another thread") {
    std::thread::id here_on, beside_on;
    run_beside([&] { here_on = std::this_thread::get_id(); },
               [&] { beside_on = std::this_thread::get_id(); });
    CHECK(here_on == std::this_thread::get_id());
    CHECK(beside_on != std::thread::id{});
    CHECK(beside_on != here_on);
}

TEST_CASE("run_beside: what the second throws is thrown here, after the first is done") {
    bool here_done = false;
    CHECK_THROWS_WITH_AS(
        run_beside([&] { here_done = true; }, [] { throw std::runtime_error("beside failed"); }),
        "beside failed", std::runtime_error);
    CHECK(here_done);
}

TEST_CASE("run_beside: when the first throws, the second has finished before the caller goes on") {
    std::atomic<bool> beside_done{false};
    CHECK_THROWS_AS(run_beside([] { throw std::logic_error("here failed"); },
                               [&] {
                                   std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                   beside_done = true;
                               }),
                    std::logic_error);
    CHECK(beside_done);
}

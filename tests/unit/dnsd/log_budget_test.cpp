// SPDX-License-Identifier: GPL-3.0-or-later
// The budget for log lines strangers can cause: a burst, then a steady
// few per second, and the suppressed ones counted.
#include "dnsd/log_budget.hpp"

#include <doctest/doctest.h>

using phx::dns::LogBudget;
using namespace std::chrono_literals;

TEST_CASE("log budget: a burst gets through, then a few lines a second, the rest counted") {
    LogBudget budget{5, 10};
    const auto t0 = LogBudget::Clock::time_point{} + 1000s;
    int admitted = 0;
    for (int i = 0; i < 1000; ++i) admitted += budget.admit(t0) ? 1 : 0;
    CHECK(admitted == 10);
    CHECK(budget.take_suppressed() == 990);
    CHECK(budget.take_suppressed() == 0);

    // 100 ms earns half a token: nothing yet; the fraction is not lost.
    CHECK_FALSE(budget.admit(t0 + 100ms));
    CHECK(budget.admit(t0 + 200ms));
    CHECK_FALSE(budget.admit(t0 + 200ms));

    // A long quiet spell refills the burst, no more.
    admitted = 0;
    for (int i = 0; i < 100; ++i) admitted += budget.admit(t0 + 1h) ? 1 : 0;
    CHECK(admitted == 10);
    CHECK(budget.take_suppressed() == 2 + 90);
}

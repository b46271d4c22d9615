// SPDX-License-Identifier: GPL-3.0-or-later
// When a NOTIFY (RFC 1996) that got no reply is sent again. RFC 1996 §3.6
// leaves the interval to us and asks for retries until the secondary
// answers: a secondary that is down for an hour must still hear of the
// change when it comes back, or it serves the old version until its
// refresh timer (a day, in our snippets) runs out. So there is no last
// attempt, only a back-off: 2 s, doubling, at most a minute apart.
#pragma once

#include <chrono>

namespace phx::dns::xfr {

constexpr std::chrono::seconds kNotifyFirstInterval{2};
constexpr std::chrono::seconds kNotifyMaxInterval{60};
// After this many unanswered attempts the log says so, once; the
// retries go on.
constexpr int kNotifyWarnAfter = 5;

// How long to wait for a reply to attempt `attempt` (1 is the first send)
// before sending again.
constexpr std::chrono::seconds notify_retry_interval(int attempt) noexcept {
    std::chrono::seconds interval = kNotifyFirstInterval;
    for (int i = 1; i < attempt && interval < kNotifyMaxInterval; ++i) interval *= 2;
    return interval < kNotifyMaxInterval ? interval : kNotifyMaxInterval;
}

static_assert(notify_retry_interval(1) == std::chrono::seconds{2});
static_assert(notify_retry_interval(2) == std::chrono::seconds{4});
static_assert(notify_retry_interval(6) == std::chrono::seconds{60});
static_assert(notify_retry_interval(1000000) == std::chrono::seconds{60});

} // namespace phx::dns::xfr

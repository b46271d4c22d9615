// SPDX-License-Identifier: GPL-3.0-or-later
// Two independent pieces of lowering at once, for the few places where a
// large policy gives the second processor enough work to be worth a thread.
#pragma once

#include <exception>
#include <optional>
#include <system_error>
#include <thread>

namespace phx::fw::detail {

// Runs `beside` on a thread of its own while `here` runs on this one, and
// returns when both are done; what either threw is thrown here (`here`'s
// first). Without a thread to be had (a limit on tasks), `beside` runs here
// after `here`. The two must share nothing they write.
template <typename Here, typename Beside>
void run_beside(Here&& here, Beside&& beside) {
    std::exception_ptr failure;
    std::optional<std::jthread> second;
    try {
        second.emplace([&] {
            try {
                beside();
            } catch (...) {
                failure = std::current_exception();
            }
        });
    } catch (const std::system_error&) {
    }
    here(); // if it throws, ~jthread waits for `beside` first
    if (!second) {
        beside();
        return;
    }
    second->join();
    if (failure) std::rethrow_exception(failure);
}

} // namespace phx::fw::detail

// SPDX-License-Identifier: GPL-3.0-or-later
// The configured upstream resolvers with their health. An upstream that
// fails (no answer in time, refused, unusable reply) is skipped for a
// back-off period that doubles with each failure in a row, then tried again;
// one good answer makes it healthy. Used from one thread.
#pragma once

#include "common/net.hpp"

#include <chrono>
#include <vector>

namespace phx::dns::resolver {

class Upstreams {
public:
    using Clock = std::chrono::steady_clock;

    explicit Upstreams(std::vector<Endpoint> endpoints);

    // The upstreams to try now, in configured order, skipping those in
    // back-off.
    [[nodiscard]] std::vector<std::size_t> usable(Clock::time_point now) const;
    [[nodiscard]] const Endpoint& endpoint(std::size_t i) const { return states_[i].endpoint; }
    [[nodiscard]] std::size_t size() const noexcept { return states_.size(); }

    void succeeded(std::size_t i);
    // Returns true if this failure started a back-off (worth one log line).
    bool failed(std::size_t i, Clock::time_point now);

    static constexpr std::chrono::seconds kFirstBackoff{1};
    static constexpr std::chrono::seconds kMaxBackoff{30};

private:
    struct State {
        Endpoint endpoint;
        unsigned failures = 0;
        Clock::time_point retry_at{};
    };
    std::vector<State> states_;
};

} // namespace phx::dns::resolver

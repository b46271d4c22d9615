// SPDX-License-Identifier: GPL-3.0-or-later
// The configured upstream resolvers with their health. One slow name says
// little about an upstream: a resolver that recurses to a dead authoritative
// server times out on that name while answering every other. So a timeout
// or an unusable reply counts against an upstream once per distinct name,
// and it is skipped only after kFailuresToBackOff such failures in a row
// with no good answer between them. Only a refusal from the network
// itself (ICMP port unreachable, a refused TCP connection), which no name
// can cause, skips it at once. A skipped upstream waits out a back-off that
// doubles with each one in a row; one good answer makes it healthy. When
// every upstream is in back-off they are all tried anyway, soonest retry
// first: with nowhere else to go, an answer late is better than SERVFAIL,
// and a client's silent names cannot close the only way out for everyone.
// Used from one thread.
#pragma once

#include "common/net.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace phx::dns::resolver {

enum class UpstreamFailure : std::uint8_t {
    unreachable, // the network said nobody is there
    timeout,     // no reply in time: maybe the upstream, maybe the name
    unusable,    // a reply we could not use (malformed, cut short)
};

class Upstreams {
public:
    using Clock = std::chrono::steady_clock;

    explicit Upstreams(std::vector<Endpoint> endpoints);

    // The upstreams to try now: those not in back-off, in configured order;
    // if every one is in back-off, all of them, soonest retry first.
    [[nodiscard]] std::vector<std::size_t> order(Clock::time_point now) const;
    [[nodiscard]] const Endpoint& endpoint(std::size_t i) const { return states_[i].endpoint; }
    [[nodiscard]] std::size_t size() const noexcept { return states_.size(); }
    [[nodiscard]] bool in_backoff(std::size_t i, Clock::time_point now) const noexcept;

    void succeeded(std::size_t i);
    // `name` tells one question from another (the cache key will do).
    // Returns the back-off this failure started if the upstream was healthy
    // until now (worth one log line), else zero.
    std::chrono::seconds failed(std::size_t i, UpstreamFailure kind, const std::string& name,
                                Clock::time_point now);

    static constexpr unsigned kFailuresToBackOff = 3;
    static constexpr std::chrono::seconds kFirstBackoff{1};
    static constexpr std::chrono::seconds kMaxBackoff{30};

private:
    struct State {
        Endpoint endpoint;
        std::vector<std::string> failed_names; // distinct, since the last good answer
        unsigned backoffs = 0;                 // in a row; 0: healthy
        Clock::time_point retry_at{};
    };
    std::chrono::seconds start_backoff(State& s, Clock::time_point now);
    std::vector<State> states_;
};

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// Upstream health with exponential back-off.
#include "dnsd/resolver/upstreams.hpp"

#include <algorithm>

namespace phx::dns::resolver {

Upstreams::Upstreams(std::vector<Endpoint> endpoints) {
    for (auto& e : endpoints) states_.push_back({e, 0, {}});
}

std::vector<std::size_t> Upstreams::usable(Clock::time_point now) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < states_.size(); ++i)
        if (states_[i].failures == 0 || now >= states_[i].retry_at) out.push_back(i);
    return out;
}

void Upstreams::succeeded(std::size_t i) {
    states_[i].failures = 0;
}

bool Upstreams::failed(std::size_t i, Clock::time_point now) {
    State& s = states_[i];
    const bool was_healthy = s.failures == 0;
    s.failures = std::min(s.failures + 1, 16u);
    auto backoff = kFirstBackoff * (1 << std::min(s.failures - 1, 5u));
    s.retry_at = now + std::min<std::chrono::seconds>(backoff, kMaxBackoff);
    return was_healthy;
}

} // namespace phx::dns::resolver

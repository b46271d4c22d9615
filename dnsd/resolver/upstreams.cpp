// SPDX-License-Identifier: GPL-3.0-or-later
// Upstream health: distinct-name failure counting and exponential back-off.
#include "dnsd/resolver/upstreams.hpp"

#include <algorithm>
#include <numeric>

namespace phx::dns::resolver {

Upstreams::Upstreams(std::vector<Endpoint> endpoints) {
    for (auto& e : endpoints) states_.push_back({e, {}, 0, {}});
}

bool Upstreams::in_backoff(std::size_t i, Clock::time_point now) const noexcept {
    return states_[i].backoffs > 0 && now < states_[i].retry_at;
}

std::vector<std::size_t> Upstreams::order(Clock::time_point now) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < states_.size(); ++i)
        if (!in_backoff(i, now)) out.push_back(i);
    if (!out.empty()) return out;
    out.resize(states_.size());
    std::iota(out.begin(), out.end(), std::size_t{0});
    std::stable_sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) {
        return states_[a].retry_at < states_[b].retry_at;
    });
    return out;
}

void Upstreams::succeeded(std::size_t i) {
    states_[i].failed_names.clear();
    states_[i].backoffs = 0;
}

std::chrono::seconds Upstreams::failed(std::size_t i, UpstreamFailure kind, const std::string& name,
                                       Clock::time_point now) {
    State& s = states_[i];
    // Back from a back-off without a good answer since: one more failure
    // is enough to show it is still down.
    if (kind == UpstreamFailure::unreachable || s.backoffs > 0) return start_backoff(s, now);
    auto& names = s.failed_names;
    if (std::find(names.begin(), names.end(), name) != names.end()) return {};
    names.push_back(name);
    if (names.size() < kFailuresToBackOff) return {};
    return start_backoff(s, now);
}

std::chrono::seconds Upstreams::start_backoff(State& s, Clock::time_point now) {
    // Failures that land while a back-off runs (queries sent before it
    // began) neither extend it nor log again.
    if (s.backoffs > 0 && now < s.retry_at) return {};
    s.failed_names.clear();
    s.backoffs = std::min(s.backoffs + 1, 16u);
    const auto backoff = std::min<std::chrono::seconds>(
        kFirstBackoff * (1 << std::min(s.backoffs - 1, 5u)), kMaxBackoff);
    s.retry_at = now + backoff;
    return s.backoffs == 1 ? backoff : std::chrono::seconds{};
}

} // namespace phx::dns::resolver

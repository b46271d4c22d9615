// SPDX-License-Identifier: GPL-3.0-or-later
// Outstanding forwarded queries by (lower-case name, type).
#include "dnsd/resolver/loop_guard.hpp"

#include <algorithm>

namespace phx::dns::resolver {

std::string LoopGuard::key_of(const ParsedQuery& q) {
    std::string key{q.qname_lower.view()};
    key += static_cast<char>(to_u16(q.qtype) >> 8);
    key += static_cast<char>(to_u16(q.qtype) & 0xff);
    return key;
}

void LoopGuard::sent(const UpstreamQuery& query, const ParsedQuery& client,
                     const Endpoint& upstream) {
    outstanding_[key_of(client)].push_back({std::string{query.sent_name.view()}, upstream});
}

void LoopGuard::finished(const UpstreamQuery& query, const ParsedQuery& client,
                         const Endpoint& upstream) {
    const auto it = outstanding_.find(key_of(client));
    if (it == outstanding_.end()) return;
    auto& list = it->second;
    const auto match = std::find_if(list.begin(), list.end(), [&](const Outstanding& o) {
        return o.upstream == upstream && o.sent_name == query.sent_name.view();
    });
    if (match != list.end()) list.erase(match);
    if (list.empty()) outstanding_.erase(it);
}

std::optional<LoopGuard::Loop> LoopGuard::check(const ParsedQuery& incoming, const IpAddress& from,
                                                bool carries_our_mark) const {
    const auto it = outstanding_.find(key_of(incoming));
    if (it != outstanding_.end()) {
        for (const auto& o : it->second) {
            const bool same_case = o.sent_name == incoming.qname.view();
            if (carries_our_mark || (same_case && o.upstream.address == from))
                return Loop{o.upstream};
        }
    }
    if (carries_our_mark) return Loop{};
    return std::nullopt;
}

} // namespace phx::dns::resolver

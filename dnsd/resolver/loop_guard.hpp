// SPDX-License-Identifier: GPL-3.0-or-later
// Forwarding-loop detection. A query is recognised as one of our own coming
// back when it carries our loop mark (resolvers of ours pass marks on), or
// when it arrives from the very upstream we sent it to with the same random
// letter case (resolvers that keep the case, as most do). Used from one thread.
#pragma once

#include "common/net.hpp"
#include "dnsd/query.hpp"
#include "dnsd/resolver/upstream_query.hpp"

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace phx::dns::resolver {

class LoopGuard {
public:
    void sent(const UpstreamQuery& query, const ParsedQuery& client, const Endpoint& upstream);
    void finished(const UpstreamQuery& query, const ParsedQuery& client, const Endpoint& upstream);

    struct Loop {
        std::optional<Endpoint> via; // the upstream it went out to, when known
    };
    // Whether `incoming`, received from `from`, is one of our forwarded queries.
    [[nodiscard]] std::optional<Loop> check(const ParsedQuery& incoming, const IpAddress& from,
                                            bool carries_our_mark) const;

private:
    struct Outstanding {
        std::string sent_name; // exact bytes, letter case included
        Endpoint upstream;
    };
    static std::string key_of(const ParsedQuery& q);
    std::unordered_map<std::string, std::vector<Outstanding>> outstanding_;
};

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// One query/reply exchange with an upstream over UDP or TCP, bounded by a
// timeout. Replies that do not match the query (ID, question case) are
// ignored, so a forged or stray datagram cannot end the wait.
#pragma once

#include "common/net.hpp"
#include "dnsd/resolver/upstream_query.hpp"
#include "dnsd/resolver/upstreams.hpp"

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

namespace phx::dns::resolver {

// The reply's bytes, or why there are none.
struct UpstreamReply {
    std::vector<std::uint8_t> bytes;
    std::optional<UpstreamFailure> failure;
};

// A new socket per exchange, connected to the upstream: the kernel picks a
// random source port, and an ICMP "port unreachable" ends the wait at once.
boost::asio::awaitable<UpstreamReply> exchange_udp(Endpoint upstream, const UpstreamQuery& query,
                                                   const ParsedQuery& client,
                                                   std::chrono::milliseconds timeout);

boost::asio::awaitable<UpstreamReply> exchange_tcp(Endpoint upstream, const UpstreamQuery& query,
                                                   const ParsedQuery& client,
                                                   std::chrono::milliseconds timeout);

} // namespace phx::dns::resolver

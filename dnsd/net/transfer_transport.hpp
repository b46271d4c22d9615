// SPDX-License-Identifier: GPL-3.0-or-later
// The transports' side of dnsd/xfr: the queries answer() hands over
// (Disposition::transfer), answered over UDP in the datagram's buffer, or
// over TCP as a sequence of messages written one after another.
#pragma once

#include "common/net.hpp"
#include "dnsd/answer.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace phx::dns::net {

class Worker;

// The reply to a signed query or an IXFR over UDP, written into `reply`;
// `fallback` (what answer() wrote) if the worker has no transfer state.
// Counts it in the worker's transfer counters; the caller counts the reply.
[[nodiscard]] AnswerResult answer_transfer_udp(Worker& worker, std::span<const std::uint8_t> query,
                                               const IpAddress& client,
                                               std::span<std::uint8_t> reply,
                                               const AnswerResult& fallback);

// Writes every message of the reply, each after the previous one has been
// taken by the socket, calling `rearm` (the idle deadline) before each
// write: a secondary that stops reading is cut off after the idle timeout,
// and other connections on the worker run between messages. Counts and
// logs the transfer. False if a write failed (the connection is done).
boost::asio::awaitable<bool> send_transfer(Worker& worker, boost::asio::ip::tcp::socket& socket,
                                           std::span<const std::uint8_t> query,
                                           const IpAddress& client,
                                           std::vector<std::uint8_t>& buffer,
                                           std::function<void()> rearm);

} // namespace phx::dns::net

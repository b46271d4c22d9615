// SPDX-License-Identifier: GPL-3.0-or-later
// DNS over TCP (RFC 7766): 2-byte length framing, pipelined queries answered
// in order, an idle timeout on every read and write, and caps on concurrent
// connections shared by all workers: in total and per client.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace phx::dns::net {

class Worker;
class TcpSession;

// Accepts until the acceptor is closed; each connection runs on its own.
boost::asio::awaitable<void> accept_tcp(Worker& worker, boost::asio::ip::tcp::acceptor& acceptor);

// Graceful stop: closes the connection now if idle, else after its answer.
void stop_session(TcpSession& session);

} // namespace phx::dns::net

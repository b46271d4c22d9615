// SPDX-License-Identifier: GPL-3.0-or-later
// DNS over UDP: waits until the socket is readable, then drains it in
// batches with recvmmsg and answers each batch with one sendmmsg.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/udp.hpp>

namespace phx::dns::net {

class Worker;

// Runs until the socket is closed. `alone`: the worker serves no other UDP
// socket, so it may wait for datagrams inside recvmmsg (udp_direct.hpp).
boost::asio::awaitable<void> serve_udp(Worker& worker, boost::asio::ip::udp::socket& socket,
                                       bool wants_pktinfo, bool alone);

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// A minimal HTTP/1.0 endpoint for Prometheus: GET /metrics returns the text
// exposition, anything else 404. One request per connection, a 5-second
// deadline, requests capped at 8 KiB: it cannot be held open or flooded.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <string>

namespace phx::dns::net {

boost::asio::awaitable<void> serve_metrics(boost::asio::ip::tcp::acceptor& acceptor,
                                           std::function<std::string()> render);

} // namespace phx::dns::net

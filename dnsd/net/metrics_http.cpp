// SPDX-License-Identifier: GPL-3.0-or-later
// The metrics endpoint; see metrics_http.hpp.
#include "dnsd/net/metrics_http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

namespace phx::dns::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxRequest = 8192;

std::string response(std::string_view status, std::string_view type, const std::string& body) {
    return fmt::format(
        "HTTP/1.0 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status, type, body.size(), body);
}

asio::awaitable<void> handle(tcp::socket socket, std::function<std::string()> render) {
    asio::steady_timer deadline{socket.get_executor(), std::chrono::seconds{5}};
    asio::streambuf request{kMaxRequest};
    auto read = co_await (asio::async_read_until(socket, request, "\r\n\r\n", kTuple) ||
                          deadline.async_wait(kTuple));
    if (read.index() == 1 || std::get<0>(std::get<0>(read))) co_return;
    const std::string head{asio::buffers_begin(request.data()), asio::buffers_end(request.data())};
    const bool metrics = head.starts_with("GET /metrics ") || head.starts_with("GET /metrics?");
    const std::string reply =
        metrics ? response("200 OK", "text/plain; version=0.0.4; charset=utf-8", render())
                : response("404 Not Found", "text/plain", "try /metrics\n");
    co_await (asio::async_write(socket, asio::buffer(reply), kTuple) ||
              deadline.async_wait(kTuple));
}

} // namespace

asio::awaitable<void> serve_metrics(tcp::acceptor& acceptor, std::function<std::string()> render) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(kTuple);
        if (!acceptor.is_open()) co_return;
        if (ec) continue;
        asio::co_spawn(acceptor.get_executor(), handle(std::move(socket), render), asio::detached);
    }
}

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// Upstream exchanges. Each races the I/O against a timer with asio's
// awaitable operators, which cancel the loser cleanly.
#include "dnsd/resolver/exchange.hpp"

#include "dnsd/asio_address.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace phx::dns::resolver {
namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

UpstreamReply failed(UpstreamFailure why) {
    return {{}, why};
}

// A step of a TCP exchange: the I/O, or the deadline first. A timed-out step
// is a timeout; an error is the network refusing when connecting, else a
// connection cut short (unusable).
template <typename Result>
std::optional<UpstreamFailure> step_failure(const Result& result, UpstreamFailure on_error) {
    if (result.index() == 1) return UpstreamFailure::timeout;
    if (std::get<0>(std::get<0>(result))) return on_error;
    return std::nullopt;
}

} // namespace

asio::awaitable<UpstreamReply> exchange_udp(Endpoint upstream, const UpstreamQuery& query,
                                            const ParsedQuery& client,
                                            std::chrono::milliseconds timeout) {
    auto executor = co_await asio::this_coro::executor;
    const asio::ip::udp::endpoint remote{to_asio(upstream.address), upstream.port};
    asio::ip::udp::socket socket{executor, remote.protocol()};
    boost::system::error_code ec;
    socket.connect(remote, ec);
    if (ec) co_return failed(UpstreamFailure::unreachable);
    auto [send_ec, sent] = co_await socket.async_send(asio::buffer(query.bytes), kTuple);
    if (send_ec) co_return failed(UpstreamFailure::unreachable);
    asio::steady_timer deadline{executor, timeout};
    std::vector<std::uint8_t> buffer(kMaxMessageSize);
    for (;;) {
        auto result = co_await (socket.async_receive(asio::buffer(buffer), kTuple) ||
                                deadline.async_wait(kTuple));
        if (result.index() == 1) co_return failed(UpstreamFailure::timeout);
        auto [receive_ec, n] = std::get<0>(result);
        if (receive_ec) co_return failed(UpstreamFailure::unreachable); // ICMP: refused
        buffer.resize(n);
        if (is_reply_to(buffer, query, client)) co_return UpstreamReply{std::move(buffer), {}};
        buffer.resize(kMaxMessageSize); // not ours: keep waiting until the deadline
    }
}

asio::awaitable<UpstreamReply> exchange_tcp(Endpoint upstream, const UpstreamQuery& query,
                                            const ParsedQuery& client,
                                            std::chrono::milliseconds timeout) {
    auto executor = co_await asio::this_coro::executor;
    const asio::ip::tcp::endpoint remote{to_asio(upstream.address), upstream.port};
    asio::ip::tcp::socket socket{executor};
    asio::steady_timer deadline{executor, timeout};
    auto connected = co_await (socket.async_connect(remote, kTuple) || deadline.async_wait(kTuple));
    if (auto why = step_failure(connected, UpstreamFailure::unreachable)) co_return failed(*why);

    std::vector<std::uint8_t> framed(2 + query.bytes.size());
    framed[0] = static_cast<std::uint8_t>(query.bytes.size() >> 8);
    framed[1] = static_cast<std::uint8_t>(query.bytes.size());
    std::copy(query.bytes.begin(), query.bytes.end(), framed.begin() + 2);
    auto written = co_await (asio::async_write(socket, asio::buffer(framed), kTuple) ||
                             deadline.async_wait(kTuple));
    if (auto why = step_failure(written, UpstreamFailure::unusable)) co_return failed(*why);

    std::array<std::uint8_t, 2> prefix{};
    auto head = co_await (asio::async_read(socket, asio::buffer(prefix), kTuple) ||
                          deadline.async_wait(kTuple));
    if (auto why = step_failure(head, UpstreamFailure::unusable)) co_return failed(*why);
    std::vector<std::uint8_t> reply(std::size_t{prefix[0]} << 8 | prefix[1]);
    auto body = co_await (asio::async_read(socket, asio::buffer(reply), kTuple) ||
                          deadline.async_wait(kTuple));
    if (auto why = step_failure(body, UpstreamFailure::unusable)) co_return failed(*why);
    if (!is_reply_to(reply, query, client)) co_return failed(UpstreamFailure::unusable);
    co_return UpstreamReply{std::move(reply), {}};
}

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// TCP transport. Every connection is one coroutine; a deadline timer closes
// the socket if a read or write takes longer than the idle timeout, which
// also bounds how long a half-sent query can hold a connection slot. Slots
// are capped in total and per client (tcp_slots.hpp).
#include "dnsd/net/tcp_transport.hpp"

#include "dnsd/asio_address.hpp"
#include "dnsd/net/query_guard.hpp"
#include "dnsd/net/transfer_transport.hpp"
#include "dnsd/net/worker.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <vector>

namespace phx::dns::net {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

IpAddress address_of(const tcp::socket& socket) {
    boost::system::error_code ec;
    return from_asio(socket.remote_endpoint(ec).address());
}

// Hands a query to the resolver and resumes the calling coroutine, on its
// own executor, with the reply bytes.
template <typename Token>
auto async_forward(resolver::Resolver& resolver, std::vector<std::uint8_t> query, IpAddress client,
                   Token&& token) {
    return asio::async_initiate<Token, void(std::vector<std::uint8_t>)>(
        [&resolver](auto handler, std::vector<std::uint8_t> q, IpAddress c) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            resolver.submit(
                {std::move(q), c, Transport::tcp, [shared](std::vector<std::uint8_t> reply) {
                     auto executor = asio::get_associated_executor(*shared);
                     asio::post(executor, [shared, r = std::move(reply)]() mutable {
                         std::move (*shared)(std::move(r));
                     });
                 }});
        },
        token, std::move(query), client);
}

} // namespace

class TcpSession : public std::enable_shared_from_this<TcpSession> {
public:
    // `client` holds one of the worker's TCP slots, given back when the session ends.
    TcpSession(Worker& worker, tcp::socket socket, IpAddress client)
        : worker_{worker}, socket_{std::move(socket)}, deadline_{worker.context()}, client_{client},
          may_recurse_{worker.may_recurse(client_)} {}

    asio::awaitable<void> run();

    // Graceful stop: an idle connection is closed now, a busy one after it
    // has written the answer in progress.
    void stop() {
        if (!busy_) close();
    }

private:
    void arm_deadline() {
        deadline_.expires_after(worker_.limits().tcp_idle_timeout);
        deadline_.async_wait([self = weak_from_this()](boost::system::error_code ec) {
            if (auto s = self.lock(); s && !ec) s->close();
        });
    }
    void close() {
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_both, ignored);
        socket_.close(ignored);
    }
    asio::awaitable<bool> read_query();
    asio::awaitable<bool> answer_and_write();

    Worker& worker_;
    tcp::socket socket_;
    asio::steady_timer deadline_;
    std::vector<std::uint8_t> query_;
    std::vector<std::uint8_t> reply_;
    IpAddress client_;
    bool may_recurse_;
    bool busy_ = false;
};

asio::awaitable<bool> TcpSession::read_query() {
    std::array<std::uint8_t, 2> prefix{};
    auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(prefix),
                                             asio::as_tuple(asio::use_awaitable));
    if (ec) co_return false;
    query_.resize(std::size_t{prefix[0]} << 8 | prefix[1]);
    if (query_.empty()) co_return false; // nothing to answer and nothing sensible to expect next
    auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(query_),
                                               asio::as_tuple(asio::use_awaitable));
    co_return !ec2;
}

asio::awaitable<bool> TcpSession::answer_and_write() {
    // The worker's scratch buffer is shared by its sessions, so the reply is
    // copied out before this coroutine suspends in the write.
    const std::span<std::uint8_t> scratch = worker_.tcp_scratch();
    AnswerOptions options{Transport::tcp, worker_.limits().edns_udp_size, may_recurse_};
    QueryGuard* guard = worker_.guard();
    if (guard) { // NSID and cookies; TCP is never rate-limited
        guard->tick();
        guard->prepare(options, client_);
    }
    const AnswerResult result = answer(query_, worker_.zones(), options, scratch.subspan(2));
    if (result.disposition == Disposition::transfer) { // AXFR, IXFR, signed queries: dnsd/xfr
        if (guard) { // the client's cookie is judged; dnsd/xfr's replies carry none of ours
            AnswerResult judged = result;
            judged.cookie_issued = false;
            guard->count_tcp(judged);
        }
        co_return co_await send_transfer(worker_, socket_, query_, client_, reply_,
                                         [this] { arm_deadline(); });
    }
    if (guard) guard->count_tcp(result);
    const bool forwarded = result.disposition == Disposition::not_ours && may_recurse_;
    if (!forwarded) worker_.count(Transport::tcp, result); // the resolver counts its own replies
    if (result.disposition == Disposition::drop) co_return true;
    if (forwarded) {
        auto late =
            co_await async_forward(*worker_.resolver(), query_, client_, asio::use_awaitable);
        if (late.empty()) co_return false;
        reply_.resize(2 + late.size());
        reply_[0] = static_cast<std::uint8_t>(late.size() >> 8);
        reply_[1] = static_cast<std::uint8_t>(late.size());
        std::copy(late.begin(), late.end(), reply_.begin() + 2);
    } else {
        scratch[0] = static_cast<std::uint8_t>(result.size >> 8);
        scratch[1] = static_cast<std::uint8_t>(result.size);
        reply_.assign(scratch.begin(),
                      scratch.begin() + static_cast<std::ptrdiff_t>(result.size + 2));
    }
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(reply_),
                                              asio::as_tuple(asio::use_awaitable));
    co_return !ec;
}

asio::awaitable<void> TcpSession::run() {
    worker_.register_session(this);
    while (!worker_.stopping()) {
        arm_deadline();
        if (!co_await read_query()) break;
        busy_ = true;
        arm_deadline();
        const bool written = co_await answer_and_write();
        busy_ = false;
        if (!written) break;
    }
    deadline_.cancel();
    close();
    worker_.unregister_session(this);
    worker_.tcp_slots().release(client_);
}

namespace {

asio::awaitable<void> run_session(std::shared_ptr<TcpSession> session) {
    co_await session->run();
}

} // namespace

asio::awaitable<void> accept_tcp(Worker& worker, tcp::acceptor& acceptor) {
    asio::steady_timer backoff{worker.context()};
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (!acceptor.is_open() || ec == asio::error::operation_aborted) co_return;
        if (ec) {
            // Out of file descriptors or similar: retry shortly instead of spinning.
            backoff.expires_after(std::chrono::milliseconds(50));
            co_await backoff.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        const IpAddress client = address_of(socket);
        if (worker.tcp_slots().acquire(client) != TcpSlots::Admit::ok) {
            boost::system::error_code ignored;
            socket.close(ignored); // RFC 7766 §6.2.2: refuse rather than starve existing clients
            continue;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        asio::co_spawn(worker.context(),
                       run_session(std::make_shared<TcpSession>(worker, std::move(socket), client)),
                       asio::detached);
    }
}

void stop_session(TcpSession& session) {
    session.stop();
}

} // namespace phx::dns::net

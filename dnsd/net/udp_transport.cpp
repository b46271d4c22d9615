// SPDX-License-Identifier: GPL-3.0-or-later
// UDP transport. Asio only tells us when the socket is readable (or, under
// sustained load, a short timer expires: see udp_pacer.hpp, or the worker
// waits inside recvmmsg itself: see udp_direct.hpp; udp_mode_judge.hpp
// measures which of the two the machine makes cheaper); the
// socket is then drained with recvmmsg and the replies of one batch leave in
// one sendmmsg, so a busy server makes two system calls per batch, not two
// per query.
#include "dnsd/net/udp_transport.hpp"

#include "dnsd/net/query_guard.hpp"
#include "dnsd/net/socket_setup.hpp"
#include "dnsd/net/transfer_transport.hpp"
#include "dnsd/net/udp_direct.hpp"
#include "dnsd/net/udp_mode_judge.hpp"
#include "dnsd/net/udp_pacer.hpp"
#include "dnsd/net/worker.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <vector>

namespace phx::dns::net {
namespace {

namespace asio = boost::asio;
using asio::ip::udp;

constexpr std::size_t kBatch = 32;
constexpr std::size_t kMaxQuery = 4096; // larger datagrams are not queries we answer
constexpr int kRoundsPerWakeup = 8;     // then let TCP sessions on this worker run
// How long a worker blocked in recvmmsg may keep the rest of its work
// waiting (udp_direct.hpp): the shipped batch window, which makes everything
// else on a worker wait as long.
constexpr std::chrono::microseconds kDirectTurn{500};

struct alignas(cmsghdr) Control {
    std::array<char, CMSG_SPACE(sizeof(in6_pktinfo))> bytes;
};

struct UdpBatch {
    explicit UdpBatch(std::size_t max_reply)
        : reply_size{max_reply}, in_bytes(kBatch * kMaxQuery), out_bytes(kBatch * max_reply) {}

    std::size_t reply_size;
    std::vector<std::uint8_t> in_bytes;
    std::vector<std::uint8_t> out_bytes;
    std::array<mmsghdr, kBatch> in{};
    std::array<mmsghdr, kBatch> out{};
    std::array<iovec, kBatch> in_iov{};
    std::array<iovec, kBatch> out_iov{};
    std::array<sockaddr_storage, kBatch> peer{};
    std::array<Control, kBatch> in_control{};
    std::array<Control, kBatch> out_control{};
};

// `wait`: block until the first datagram (or the socket's SO_RCVTIMEO), on
// a socket in blocking mode (udp_direct.hpp); else return at once.
int receive(int fd, UdpBatch& b, bool wants_pktinfo, bool wait) {
    for (std::size_t i = 0; i < kBatch; ++i) {
        b.in_iov[i] = {b.in_bytes.data() + i * kMaxQuery, kMaxQuery};
        msghdr& h = b.in[i].msg_hdr;
        h = {};
        h.msg_name = &b.peer[i];
        h.msg_namelen = sizeof(sockaddr_storage);
        h.msg_iov = &b.in_iov[i];
        h.msg_iovlen = 1;
        if (wants_pktinfo) {
            h.msg_control = b.in_control[i].bytes.data();
            h.msg_controllen = sizeof(Control::bytes);
        }
    }
    int n;
    do n = ::recvmmsg(fd, b.in.data(), kBatch, wait ? MSG_WAITFORONE : MSG_DONTWAIT, nullptr);
    while (n < 0 && errno == EINTR);
    return n;
}

// The control message that makes a reply leave from the address the query
// was sent to, for sockets bound to a wildcard address. Returns its size.
std::size_t reply_control(msghdr& in, Control& out) {
    for (cmsghdr* c = CMSG_FIRSTHDR(&in); c != nullptr; c = CMSG_NXTHDR(&in, c)) {
        msghdr m{};
        m.msg_control = out.bytes.data();
        m.msg_controllen = sizeof(Control::bytes);
        cmsghdr* r = CMSG_FIRSTHDR(&m);
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            in_pktinfo got{};
            std::memcpy(&got, CMSG_DATA(c), sizeof got);
            in_pktinfo reply{};
            reply.ipi_spec_dst = got.ipi_addr;
            r->cmsg_level = IPPROTO_IP;
            r->cmsg_type = IP_PKTINFO;
            r->cmsg_len = CMSG_LEN(sizeof reply);
            std::memcpy(CMSG_DATA(r), &reply, sizeof reply);
            return CMSG_SPACE(sizeof reply);
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            r->cmsg_level = IPPROTO_IPV6;
            r->cmsg_type = IPV6_PKTINFO;
            r->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
            std::memcpy(CMSG_DATA(r), CMSG_DATA(c), sizeof(in6_pktinfo));
            return CMSG_SPACE(sizeof(in6_pktinfo));
        }
    }
    return 0;
}

// Where a forwarded query's reply goes once the resolver has it.
struct ReplyTarget {
    sockaddr_storage peer{};
    socklen_t peer_length = 0;
    Control control{};
    std::size_t control_length = 0;
};

// Sends one late reply (from the resolver) on the worker's thread. A full
// socket buffer drops it: the client will retry, as with any UDP loss.
void send_late_reply(udp::socket& socket, const ReplyTarget& to,
                     const std::vector<std::uint8_t>& reply) {
    if (!socket.is_open() || reply.empty()) return;
    iovec iov{const_cast<std::uint8_t*>(reply.data()), reply.size()};
    msghdr h{};
    h.msg_name = const_cast<sockaddr_storage*>(&to.peer);
    h.msg_namelen = to.peer_length;
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    if (to.control_length > 0) {
        h.msg_control = const_cast<char*>(to.control.bytes.data());
        h.msg_controllen = to.control_length;
    }
    ::sendmsg(socket.native_handle(), &h, MSG_DONTWAIT);
}

void forward(Worker& worker, udp::socket& socket, UdpBatch& b, std::size_t i,
             const IpAddress& client, std::span<const std::uint8_t> query) {
    auto target = std::make_shared<ReplyTarget>();
    target->peer = b.peer[i];
    target->peer_length = b.in[i].msg_hdr.msg_namelen;
    if (b.in[i].msg_hdr.msg_controllen > 0)
        target->control_length = reply_control(b.in[i].msg_hdr, target->control);
    auto& context = worker.context();
    worker.resolver()->submit({{query.begin(), query.end()},
                               client,
                               Transport::udp,
                               [&context, &socket, target](std::vector<std::uint8_t> reply) {
                                   asio::post(context, [&socket, target, r = std::move(reply)] {
                                       send_late_reply(socket, *target, r);
                                   });
                               }});
}

// Answers the received datagrams into the out slots; returns how many
// replies are ready now (forwarded queries are answered later).
std::size_t answer_batch(Worker& worker, udp::socket& socket, UdpBatch& b, std::size_t received) {
    AnswerOptions options{Transport::udp, worker.limits().edns_udp_size, false};
    const ZoneSet& zones = worker.zones();
    const bool forwarding = worker.resolver() != nullptr;
    QueryGuard* guard = worker.guard();
    ReplyCache& cache = worker.reply_cache();
    if (guard) guard->tick();
    std::size_t replies = 0;
    for (std::size_t i = 0; i < received; ++i) {
        msghdr& in = b.in[i].msg_hdr;
        if ((in.msg_flags & MSG_TRUNC) != 0) { // oversized: not a query
            worker.counters().dropped(DropReason::oversized);
            continue;
        }
        const std::span<const std::uint8_t> query{b.in_bytes.data() + i * kMaxQuery,
                                                  b.in[i].msg_len};
        const std::span<std::uint8_t> reply{b.out_bytes.data() + replies * b.reply_size,
                                            b.reply_size};
        const IpAddress client = forwarding || guard ? address_of(b.peer[i]) : IpAddress{};
        options.recursion_available = forwarding && worker.may_recurse(client);
        if (guard) guard->prepare(options, client);
        AnswerResult result = cache.answer(query, zones, options, reply);
        if (result.disposition == Disposition::transfer) // IXFR's SOA, signed queries: dnsd/xfr
            result = answer_transfer_udp(worker, query, address_of(b.peer[i]), reply, result);
        if (result.disposition == Disposition::not_ours && options.recursion_available) {
            forward(worker, socket, b, i, client, query); // the resolver counts its replies
            continue;
        }
        std::size_t size = result.size;
        if (guard && result.disposition != Disposition::drop &&
            !guard->admit_udp(client, result, reply, size))
            continue; // over the rate limit: counted by the guard, not as a reply
        worker.count(Transport::udp, result);
        if (result.disposition == Disposition::drop) continue;
        b.out_iov[replies] = {reply.data(), size};
        msghdr& out = b.out[replies].msg_hdr;
        out = {};
        out.msg_name = &b.peer[i];
        out.msg_namelen = in.msg_namelen;
        out.msg_iov = &b.out_iov[replies];
        out.msg_iovlen = 1;
        if (in.msg_controllen > 0) {
            out.msg_control = b.out_control[replies].bytes.data();
            out.msg_controllen = reply_control(in, b.out_control[replies]);
            if (out.msg_controllen == 0) out.msg_control = nullptr;
        }
        ++replies;
    }
    return replies;
}

asio::awaitable<void> send_all(Worker& worker, udp::socket& socket, UdpBatch& b,
                               std::size_t count) {
    std::size_t sent = 0;
    while (sent < count) {
        const int n = ::sendmmsg(socket.native_handle(), b.out.data() + sent,
                                 static_cast<unsigned>(count - sent), MSG_DONTWAIT);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            auto [ec] = co_await socket.async_wait(udp::socket::wait_write,
                                                   asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        } else if (errno != EINTR) {
            ++sent; // this one cannot be sent (e.g. refused by a firewall); the rest still go
            worker.counters().dropped(DropReason::send_failed);
        }
    }
}

// Bounds a blocking recvmmsg (udp_direct.hpp); false: the socket cannot block.
bool set_receive_timeout(int fd, std::chrono::microseconds timeout) {
    const timeval tv{static_cast<time_t>(timeout.count() / 1000000),
                     static_cast<suseconds_t>(timeout.count() % 1000000)};
    return ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0;
}

} // namespace

asio::awaitable<void> serve_udp(Worker& worker, udp::socket& socket, bool wants_pktinfo,
                                bool alone) {
    auto batch = std::make_unique<UdpBatch>(
        std::max<std::size_t>(worker.limits().edns_udp_size, kMinUdpSize));
    const auto window = worker.limits().udp_batch_window;
    UdpPacer pacer{window};
    // A socket shared with others on this worker must not block them
    // (udp_direct.hpp). With a window too, the judge measures which of the
    // two saves more under the load at hand.
    const bool may_block = alone && set_receive_timeout(socket.native_handle(), kDirectTurn);
    UdpDirect direct{may_block ? kDirectTurn : std::chrono::microseconds{0}};
    UdpModeJudge judge{window.count() > 0, may_block};
    bool drained_all = true; // false: the last drain stopped at its cap, more is waiting
    UdpPacer::Clock::time_point started{};
    for (;;) {
        const bool by_window = pacer.batching();
        const bool blocking = direct.active();
        if (by_window) {
            // Let the rest of the worker run before sleeping: the first yield
            // lets the reactor see what became ready during the last window,
            // the second runs the handlers it queued (another busy socket's
            // drain, TCP). With one yield they would wait out our next window
            // too, and a second busy socket's queries would wait two.
            co_await asio::post(socket.get_executor(), asio::use_awaitable);
            co_await asio::post(socket.get_executor(), asio::use_awaitable);
            if (!socket.is_open()) co_return;
            // The thread sleeps outside epoll on purpose: Asio registers
            // sockets edge-triggered, so a thread parked in epoll_wait (on a
            // timer, say) would be woken by every datagram of the window.
            if (drained_all) pacer.sleep_until_next(started);
        } else if (blocking) {
            // The rest of the worker's turn, as above, at most one turn apart.
            if (direct.turn_due(UdpDirect::Clock::now())) {
                co_await asio::post(socket.get_executor(), asio::use_awaitable);
                co_await asio::post(socket.get_executor(), asio::use_awaitable);
            }
        } else {
            auto [ec] = co_await socket.async_wait(udp::socket::wait_read,
                                                   asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        }
        if (!socket.is_open()) co_return;
        worker.counters().udp_drain(by_window);
        started = UdpPacer::Clock::now();
        std::size_t drained = 0;
        drained_all = false;
        for (int round = 0; round < kRoundsPerWakeup && !drained_all; ++round) {
            const bool wait = blocking && round == 0;
            const int received = receive(socket.native_handle(), *batch, wants_pktinfo, wait);
            if (received <= 0) {
                // Blocking: a whole turn without a datagram (or an error):
                // back to the reactor, which sets the socket non-blocking again.
                if (wait) direct.leave();
                drained_all = true;
                break;
            }
            // The load thinned out: a lone datagram that took longer than a
            // turn to come (a thread merely descheduled that long finds many
            // waiting). Wait in the reactor from now on, for SO_RCVTIMEO is
            // counted in scheduler ticks (4-8 ms at HZ=250, whatever was
            // asked), and a socket gone quiet would hold the worker that long.
            if (wait && received == 1 && UdpDirect::Clock::now() - started > direct.turn())
                direct.leave();
            drained += static_cast<std::size_t>(received);
            const std::size_t replies =
                answer_batch(worker, socket, *batch, static_cast<std::size_t>(received));
            co_await send_all(worker, socket, *batch, replies);
            if (!socket.is_open()) co_return;
            drained_all = static_cast<std::size_t>(received) < kBatch;
        }
        if (judge.mode() == UdpMode::window) {
            pacer.drained(drained, started);
        } else if (!blocking && direct.busy_after(drained, started)) {
            // Blocking mode for recvmmsg only: every other call on this
            // socket passes MSG_DONTWAIT, and Asio's waits do no I/O.
            boost::system::error_code ec;
            socket.native_non_blocking(false, ec);
            if (!ec) direct.enter(UdpDirect::Clock::now());
        }
        const auto verdicts = judge.verdicts();
        if (judge.drained(drained, started, pacer.batching() || direct.active())) {
            // The judge chose the other mode: leave this one; the other's
            // own streak takes over within a few drains on readability.
            pacer.stop();
            direct.leave();
        }
        if (judge.verdicts() != verdicts) worker.counters().udp_mode_verdict(judge.window_won());
    }
}

} // namespace phx::dns::net

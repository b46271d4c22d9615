// SPDX-License-Identifier: GPL-3.0-or-later
// Driving an xfr::Outgoing over a datagram or a TCP connection, and the
// one log line per transfer (never a secret: key names only).
#include "dnsd/net/transfer_transport.hpp"

#include "common/log.hpp"
#include "dnsd/log_budget.hpp"
#include "dnsd/net/worker.hpp"
#include "dnsd/xfr/outgoing.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <ctime>

namespace phx::dns::net {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

std::uint64_t wall_clock() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

std::string rcode_text(Rcode r) {
    switch (r) {
    case Rcode::formerr:
        return "FORMERR";
    case Rcode::notimp:
        return "NOTIMP";
    case Rcode::refused:
        return "REFUSED";
    case Rcode::notauth:
        return "NOTAUTH";
    case Rcode::badvers:
        return "BADVERS";
    default:
        return fmt::format("rcode {}", to_u16(r));
    }
}

std::string signed_by(const xfr::Summary& s) {
    return s.key.empty() ? "unsigned" : "key " + s.key;
}

// Refusals and TSIG failures anyone can cause, over UDP from a forged
// address too: a few lines a second, the rest counted. Per worker thread,
// like everything else a worker touches.
thread_local LogBudget refusal_lines{5, 20};

// Transfers are rare, allowed by the ACL, and worth a line each; so are
// refusals within their budget. Signed ordinary queries (a secondary's
// SOA checks) are not.
void log_reply(const xfr::Outgoing& out, const IpAddress& client, Clock::duration took,
               bool complete) {
    const xfr::Summary& s = out.summary();
    const auto ms = std::chrono::duration<double, std::milli>(took).count();
    if (out.is_transfer()) {
        const std::string serials = s.client_serial && s.kind != xfr::Kind::ixfr_soa
                                        ? fmt::format("serial {} -> {}", *s.client_serial, s.serial)
                                        : fmt::format("serial {}", s.serial);
        const auto write = complete ? log::Level::info : log::Level::warning;
        log::write(write,
                   fmt::format("{} of {} {} to {} ({}): {} messages, {} records, {:.1f} ms{}",
                               xfr::kind_text(s.kind), s.zone, serials, client.to_string(),
                               signed_by(s), s.messages, s.records, ms,
                               complete ? "" : ": connection lost before the end"));
        return;
    }
    if (s.kind == xfr::Kind::signed_query) return;
    if (!refusal_lines.admit(Clock::now())) return;
    const std::uint64_t suppressed = refusal_lines.take_suppressed();
    log::warning("{} for {} from {} answered {}: {}{}", type_name(s.qtype), s.zone,
                 client.to_string(), rcode_text(s.rcode), s.why,
                 suppressed == 0 ? std::string{}
                                 : fmt::format(" ({} more such lines left out)", suppressed));
}

} // namespace

AnswerResult answer_transfer_udp(Worker& worker, std::span<const std::uint8_t> query,
                                 const IpAddress& client, std::span<std::uint8_t> reply,
                                 const AnswerResult& fallback) {
    if (!worker.transfer()) return fallback;
    const auto started = Clock::now();
    auto out = xfr::respond(query, worker.transfer(), client, Transport::udp,
                            worker.limits().edns_udp_size, wall_clock());
    const std::size_t size = out->next(reply);
    worker.transfer_counters().count(out->summary());
    log_reply(*out, client, Clock::now() - started, size > 0);
    const auto& s = out->summary();
    // The rate limiter still sees the client's cookie verdict; no server
    // cookie goes out in a transfer layer reply, so none was issued.
    AnswerResult result = fallback;
    result.size = size;
    result.disposition = size > 0 ? Disposition::reply : Disposition::drop;
    result.rcode = s.rcode;
    result.qtype = s.qtype;
    result.cookie_issued = false;
    return result;
}

asio::awaitable<bool> send_transfer(Worker& worker, asio::ip::tcp::socket& socket,
                                    std::span<const std::uint8_t> query, const IpAddress& client,
                                    std::vector<std::uint8_t>& buffer,
                                    std::function<void()> rearm) {
    if (!worker.transfer()) co_return false;
    const auto started = Clock::now();
    auto out = xfr::respond(query, worker.transfer(), client, Transport::tcp,
                            worker.limits().edns_udp_size, wall_clock());
    buffer.resize(2 + kMaxMessageSize);
    bool written = true;
    bool counted = false;
    // Counted when the last message is ready, before it is written: a client
    // that has read the whole reply and then scrapes the metrics finds it.
    const auto count_once = [&] {
        if (counted) return;
        counted = true;
        const auto& s = out->summary();
        worker.count(Transport::tcp,
                     {s.messages > 0 ? std::size_t{1} : 0,
                      s.messages > 0 ? Disposition::reply : Disposition::drop, s.rcode, s.qtype});
        worker.transfer_counters().count(s);
    };
    // A graceful stop ends a long transfer between messages; the secondary
    // retries it from another server or later.
    while (!worker.stopping()) {
        const std::size_t size = out->next(std::span{buffer}.subspan(2));
        if (size == 0) break;
        if (out->finished()) count_once();
        buffer[0] = static_cast<std::uint8_t>(size >> 8);
        buffer[1] = static_cast<std::uint8_t>(size);
        rearm();
        auto [ec, n] = co_await asio::async_write(socket, asio::buffer(buffer.data(), 2 + size),
                                                  asio::as_tuple(asio::use_awaitable));
        if (ec) {
            written = false;
            break;
        }
    }
    count_once();
    log_reply(*out, client, Clock::now() - started, written && !worker.stopping());
    co_return written;
}

} // namespace phx::dns::net

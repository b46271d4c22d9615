// SPDX-License-Identifier: GPL-3.0-or-later
// One coroutine per (zone, secondary): send, wait for the reply or the
// retry interval, again, until a reply; log the outcome (key names only).
#include "dnsd/net/notifier.hpp"

#include "common/log.hpp"
#include "dnsd/asio_address.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/xfr/notify_message.hpp"
#include "dnsd/xfr/notify_retry.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>

namespace phx::dns::net {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

struct Notifier::Job {
    Job(asio::io_context& context, std::shared_ptr<const xfr::TransferState> s, const Zone& z,
        const NotifyTarget& t)
        : state{std::move(s)}, zone{z}, target{t.endpoint},
          key{t.key ? state->keys.find(t.key->view()) : nullptr}, socket{context}, timer{context} {}

    std::shared_ptr<const xfr::TransferState> state; // keeps the zone and the key alive
    const Zone& zone;
    Endpoint target;
    const tsig::Key* key;
    asio::ip::udp::socket socket;
    asio::steady_timer timer;
    bool cancelled = false;

    [[nodiscard]] std::string describe() const {
        return fmt::format("NOTIFY for {} serial {} to {} ({})",
                           wire::name_to_text(wire::bytes_of(zone.origin())), zone.serial(),
                           target.to_string(), key ? "key " + key->name_text() : "unsigned");
    }
    void cancel() {
        cancelled = true;
        boost::system::error_code ignored;
        timer.cancel();
        socket.close(ignored);
    }
};

namespace {

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

std::uint64_t wall_clock() {
    return static_cast<std::uint64_t>(std::time(nullptr));
}

} // namespace

Notifier::Notifier(asio::io_context& control) : control_{control}, rng_{std::random_device{}()} {}

Notifier::~Notifier() {
    stop();
}

void Notifier::notify(const std::shared_ptr<const xfr::TransferState>& state,
                      const std::vector<std::string>& origins) {
    if (stopped_) return;
    for (const auto& origin : origins) {
        const Zone* zone = state->zone(origin);
        if (!zone) continue;
        for (const auto& target : state->notify) {
            auto job = std::make_shared<Job>(control_, state, *zone, target);
            auto& slot = jobs_[{origin, target.endpoint}];
            if (slot) { // superseded by this newer serial
                slot->cancel();
                counters_.superseded.add();
            }
            slot = job;
            asio::co_spawn(control_, run(std::move(job)), asio::detached);
        }
    }
}

void Notifier::stop() {
    stopped_ = true;
    for (auto& [where, job] : jobs_) job->cancel();
    jobs_.clear();
}

void Notifier::finish(const std::shared_ptr<Job>& job) {
    const auto it = jobs_.find({job->zone.origin(), job->target});
    if (it != jobs_.end() && it->second == job) jobs_.erase(it);
}

asio::awaitable<void> Notifier::run(std::shared_ptr<Job> job) {
    const asio::ip::udp::endpoint remote{to_asio(job->target.address), job->target.port};
    boost::system::error_code ec;
    job->socket.open(remote.protocol(), ec);
    if (!ec) job->socket.connect(remote, ec);
    if (ec) { // no route, no such family: nothing a retry would change
        log::warning("{}: cannot send: {}", job->describe(), ec.message());
        counters_.refused.add();
        finish(job);
        co_return;
    }
    std::vector<std::uint8_t> reply(kMaxMessageSize);
    const auto started = std::chrono::steady_clock::now();
    for (int attempt = 1; !job->cancelled; ++attempt) {
        if (attempt > 1) counters_.retries.add();
        if (attempt == xfr::kNotifyWarnAfter + 1)
            log::warning("{}: no reply after {} attempts; still trying, every {} s at most",
                         job->describe(), xfr::kNotifyWarnAfter,
                         xfr::kNotifyMaxInterval.count());
        // A new ID and a new signature each time: a retry is a new message.
        const auto sent =
            xfr::make_notify(job->zone, static_cast<std::uint16_t>(rng_()), job->key, wall_clock());
        co_await job->socket.async_send(asio::buffer(sent.bytes), kTuple);
        job->timer.expires_after(xfr::notify_retry_interval(attempt));
        for (bool waiting = true; waiting && !job->cancelled;) {
            auto result = co_await (job->socket.async_receive(asio::buffer(reply), kTuple) ||
                                    job->timer.async_wait(kTuple));
            if (job->cancelled || result.index() == 1) break; // stopped, or time to send again
            auto [receive_ec, n] = std::get<0>(result);
            if (receive_ec) { // ICMP unreachable: nobody listens yet; wait out the interval
                co_await job->timer.async_wait(kTuple);
                break;
            }
            const auto check =
                xfr::check_notify_reply({reply.data(), n}, sent, job->zone, job->key, wall_clock());
            if (check.verdict == xfr::NotifyReply::not_for_us) continue;
            const auto ms = std::chrono::duration<double, std::milli>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            if (check.verdict == xfr::NotifyReply::acknowledged) {
                counters_.acknowledged.add();
                log::info("{}: acknowledged after {} attempt(s), {:.1f} ms", job->describe(),
                          attempt, ms);
            } else { // a secondary that says no will say it again: not retried
                counters_.refused.add();
                log::warning("{}: refused ({}{})", job->describe(),
                             check.tsig_rejected ? "our TSIG was not accepted, " : "",
                             fmt::format("rcode {}", to_u16(check.rcode)));
            }
            finish(job);
            co_return;
        }
    }
}

} // namespace phx::dns::net

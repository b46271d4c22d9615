// SPDX-License-Identifier: GPL-3.0-or-later
// Sends NOTIFY (RFC 1996) to the configured secondaries when a zone's
// serial changes, over UDP, retried until a matching reply comes (with the
// back-off of dnsd/xfr/notify_retry.hpp, without a last attempt). Runs on
// the server's control thread; a newer serial supersedes a NOTIFY still
// being retried for the same zone and target.
#pragma once

#include "common/net.hpp"
#include "dnsd/xfr/metrics.hpp"
#include "dnsd/xfr/state.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace phx::dns::net {

class Notifier {
public:
    explicit Notifier(boost::asio::io_context& control);
    ~Notifier();
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;

    // Tells every notify target of `state` about each zone in `origins`
    // (lower-case wire names), with the zone's SOA as `state` has it.
    void notify(const std::shared_ptr<const xfr::TransferState>& state,
                const std::vector<std::string>& origins);
    // Ends every NOTIFY being retried, at once (for a graceful stop).
    void stop();

    [[nodiscard]] const xfr::NotifyCounters& counters() const noexcept { return counters_; }
    // NOTIFYs waiting for a reply.
    [[nodiscard]] std::size_t pending() const noexcept { return jobs_.size(); }

private:
    struct Job;
    boost::asio::awaitable<void> run(std::shared_ptr<Job> job);
    void finish(const std::shared_ptr<Job>& job);

    boost::asio::io_context& control_;
    std::map<std::pair<std::string, Endpoint>, std::shared_ptr<Job>> jobs_;
    std::mt19937 rng_;
    xfr::NotifyCounters counters_;
    bool stopped_ = false;
};

} // namespace phx::dns::net

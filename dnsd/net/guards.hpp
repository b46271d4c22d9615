// SPDX-License-Identifier: GPL-3.0-or-later
// The server's side of NSID, DNS cookies and response rate limiting: the
// settings and the rate-limit table all workers share, one QueryGuard per
// worker, and, on the control thread, the rotation of the random cookie
// secret (the previous one stays accepted for one more period).
#pragma once

#include "dnsd/config.hpp"
#include "dnsd/net/query_guard.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

namespace phx::dns::net {

class Worker;

struct GuardConfig {
    std::vector<std::uint8_t> nsid;
    CookieConfig cookies;
    RateLimitConfig rate_limit;
};

class Guards {
public:
    // `exempt`: the clients never rate-limited (the forwarding allow list).
    Guards(const GuardConfig& config, std::vector<Cidr> exempt, boost::asio::io_context& control);

    // Gives each worker its guard; before the workers start.
    void attach(const std::vector<std::unique_ptr<Worker>>& workers);
    // Rotates a random secret every period until stop().
    void start();
    void stop();

    [[nodiscard]] std::string metrics() const;

private:
    void schedule_rotation();
    void rotate();

    GuardConfig config_;
    GuardSettings settings_;
    std::unique_ptr<rrl::RateLimiter> limiter_;
    std::vector<std::unique_ptr<QueryGuard>> guards_;
    std::vector<Worker*> workers_;
    std::vector<CookieSecret> secrets_; // the first makes cookies
    boost::asio::steady_timer rotation_;
};

// 16 bytes from the kernel's random source (getrandom); throws on failure.
[[nodiscard]] CookieSecret random_secret();

} // namespace phx::dns::net

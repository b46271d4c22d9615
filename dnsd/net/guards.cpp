// SPDX-License-Identifier: GPL-3.0-or-later
// Guards: shared settings, the per-worker guards, secret rotation.
#include "dnsd/net/guards.hpp"

#include "common/log.hpp"
#include "dnsd/net/worker.hpp"

#include <boost/asio/post.hpp>
#include <cerrno>
#include <sys/random.h>
#include <system_error>

namespace phx::dns::net {

namespace asio = boost::asio;

CookieSecret random_secret() {
    CookieSecret secret{};
    std::size_t filled = 0;
    while (filled < secret.size()) {
        const ssize_t n = ::getrandom(secret.data() + filled, secret.size() - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error{errno, std::generic_category(), "getrandom"};
        filled += static_cast<std::size_t>(n);
    }
    return secret;
}

Guards::Guards(const GuardConfig& config, std::vector<Cidr> exempt, asio::io_context& control)
    : config_{config}, rotation_{control} {
    settings_.nsid = config.nsid;
    settings_.cookies = config.cookies.enabled;
    settings_.exempt = std::move(exempt);
    settings_.prefixes = {config.rate_limit.ipv4_prefix, config.rate_limit.ipv6_prefix};
    settings_.bucket_key = random_secret();
    if (config.rate_limit.enabled()) {
        const auto& r = config.rate_limit;
        limiter_ = std::make_unique<rrl::RateLimiter>(
            rrl::Settings{r.responses_per_second, r.slip, r.window_seconds, r.table_size});
        settings_.limiter = limiter_.get();
    }
    if (config.cookies.enabled)
        secrets_ =
            config.cookies.secrets.empty() ? std::vector{random_secret()} : config.cookies.secrets;
}

void Guards::attach(const std::vector<std::unique_ptr<Worker>>& workers) {
    for (const auto& w : workers) {
        auto guard = std::make_unique<QueryGuard>(settings_);
        guard->set_cookie_secrets(secrets_);
        w->set_guard(guard.get());
        guards_.push_back(std::move(guard));
        workers_.push_back(w.get());
    }
}

void Guards::start() {
    if (config_.cookies.enabled && config_.cookies.secrets.empty()) schedule_rotation();
}

void Guards::stop() {
    rotation_.cancel();
}

void Guards::schedule_rotation() {
    rotation_.expires_after(config_.cookies.rotation);
    rotation_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        rotate();
        schedule_rotation();
    });
}

void Guards::rotate() {
    // A cookie lives an hour (RFC 9018 §4.3) and was made with the current
    // secret at most one period ago: keeping the previous one accepts every
    // cookie still in use. A worker that gets the new secret a moment after
    // another made a cookie with it hands out one more fresh cookie, no more.
    try {
        secrets_ = {random_secret(), secrets_.front()};
    } catch (const std::exception& e) {
        log::error("cookie secret not rotated: {}", e.what());
        return;
    }
    for (std::size_t i = 0; i < workers_.size(); ++i)
        asio::post(workers_[i]->context(), [guard = guards_[i].get(), secrets = secrets_] {
            guard->set_cookie_secrets(secrets);
        });
}

std::string Guards::metrics() const {
    std::vector<const GuardCounters*> counters;
    for (const auto& g : guards_) counters.push_back(&g->counters());
    return render_guard_metrics(counters);
}

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// The server's guards on real workers (not started: their io_contexts are
// polled by hand): the random cookie secret rotated by its timer, with the
// previous secret still accepted for one period and not for two, and a
// configured secret never rotated. The timer runs one handler at a time
// (run_one), so each step is exactly one rotation.
#include "dnsd/net/guards.hpp"
#include "dnsd/net/worker.hpp"
#include "unit/dnsd/edns_util.hpp"
#include "unit/dnsd/test_zone.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace phx;
using namespace phx::dns;
using phx::test::Bytes;
using phx::test::option;
using phx::test::query_with;
using phx::test::reply_options;
using phx::test::shared_test_zones;

namespace {

struct Server {
    boost::asio::io_context control;
    net::TcpSlots slots{16, 4};
    std::vector<std::unique_ptr<net::Worker>> workers;
    std::unique_ptr<net::Guards> guards;

    explicit Server(const CookieConfig& cookies) {
        for (int i = 0; i < 2; ++i)
            workers.push_back(std::make_unique<net::Worker>(net::TransportLimits{}, slots,
                                                            shared_test_zones(), nullptr));
        const net::GuardConfig config{{}, cookies, RateLimitConfig{}};
        guards = std::make_unique<net::Guards>(config, std::vector<Cidr>{}, control);
        guards->attach(workers);
        guards->start();
    }
    ~Server() { guards->stop(); }

    // One rotation: the timer's handler, then each worker takes the secrets.
    void rotate() {
        REQUIRE(control.run_one() == 1);
        for (auto& w : workers) {
            w->context().restart(); // a poll that ran out of work left it stopped
            REQUIRE(w->context().poll() == 1);
        }
    }

    // The COOKIE option data worker `i` answers `cookie` with, and its verdict.
    std::pair<Bytes, CookieVerdict> ask(std::size_t i, const Bytes& cookie) {
        net::QueryGuard& guard = *workers[i]->guard();
        const IpAddress client = IpAddress::v4(192, 0, 2, 1);
        AnswerOptions options{Transport::udp, 1232, false};
        guard.tick();
        guard.prepare(options, client);
        Bytes out(kMaxMessageSize);
        const auto query = query_with("www.phx.test", RrType::a, option(10, cookie));
        const AnswerResult result = answer(query, *shared_test_zones(), options, out);
        out.resize(result.size);
        return {reply_options(out).at(10), result.cookie};
    }
};

const Bytes kClientCookie{1, 2, 3, 4, 5, 6, 7, 8};

} // namespace

TEST_CASE("guards: the random secret rotates, the previous one is accepted for one period") {
    CookieConfig cookies;
    cookies.rotation = std::chrono::seconds{0}; // the timer fires at once: run_one is the clock
    Server s{cookies};
    const auto [cookie, first] = s.ask(0, kClientCookie);
    CHECK(first == CookieVerdict::client_only);
    // Both workers share the secret: one's cookie is valid at the other.
    CHECK(s.ask(1, cookie).second == CookieVerdict::valid);

    s.rotate();
    const auto [renewed, after_one] = s.ask(1, cookie);
    CHECK(after_one == CookieVerdict::valid); // the previous secret
    CHECK(renewed != cookie);                 // made anew with the current one
    CHECK(s.ask(0, renewed).second == CookieVerdict::valid);

    s.rotate();
    CHECK(s.ask(0, cookie).second == CookieVerdict::invalid); // two secrets ago
    CHECK(s.ask(1, renewed).second == CookieVerdict::valid);  // the previous one
}

TEST_CASE("guards: configured secrets are never rotated, and cookies off means no COOKIE") {
    CookieConfig cookies;
    cookies.rotation = std::chrono::seconds{0};
    cookies.secrets = {CookieSecret{1}, CookieSecret{2}};
    Server s{cookies};
    CHECK(s.control.poll() == 0); // no timer
    const auto [cookie, verdict] = s.ask(0, kClientCookie);
    CHECK(verdict == CookieVerdict::client_only);
    CHECK(s.ask(1, cookie).second == CookieVerdict::valid);

    CookieConfig off;
    off.enabled = false;
    Server none{off};
    CHECK(none.control.poll() == 0);
    net::QueryGuard& guard = *none.workers[0]->guard();
    AnswerOptions options{Transport::udp, 1232, false};
    guard.prepare(options, IpAddress::v4(192, 0, 2, 1));
    CHECK(options.cookies == nullptr);
}

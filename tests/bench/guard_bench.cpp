// SPDX-License-Identifier: GPL-3.0-or-later
// Microbenchmark of what a worker adds around answer() for cookies and
// response rate limiting (Google Benchmark): the same query mix as
// answer_bench, answered and passed through the worker's guard, as the UDP
// transport does. The rate is far above the mix's, so every reply is
// accounted in the shared table and none is limited; the client is not in
// the allow list. The guard reads its clocks every 64 queries, as the UDP
// transport does once per batch. Arg: 0 guard with everything off, 1 rate limit only,
// 2 rate limit and cookies with a client cookie in every query (a server
// cookie made per reply), 3 the same with a valid server cookie (checked,
// echoed, and the rate limit skipped).
#include "dnsd/net/query_guard.hpp"
#include "dnsd/zone/loader.hpp"
#include "tests/bench/query_mix.hpp"

#include <benchmark/benchmark.h>
#include <string>
#include <vector>

namespace {

using namespace phx;
using namespace phx::dns;

const ZoneSet& zones() {
    static const auto set = [] {
        Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone", {}, {}}};
        return load_zone_set(sources, d);
    }();
    return *set;
}

void BM_guarded_answer(benchmark::State& state) {
    const auto variant = state.range(0);
    rrl::RateLimiter limiter{{1000000, 2, 0, 65536}};
    net::GuardSettings settings;
    settings.cookies = variant >= 2;
    settings.limiter = variant >= 1 ? &limiter : nullptr;
    settings.bucket_key = SipHasher::Key{7};
    net::QueryGuard guard{settings};
    const std::vector<CookieSecret> secrets{CookieSecret{1, 2, 3}};
    guard.set_cookie_secrets(secrets);
    guard.tick();
    const IpAddress client = IpAddress::v4(198, 51, 100, 7);

    std::vector<std::uint8_t> out(kMaxMessageSize);
    const auto answer_one = [&](const bench::Message& q, std::size_t& size) {
        AnswerOptions options{Transport::udp, 1232, false};
        guard.prepare(options, client);
        const AnswerResult result = answer(q, zones(), options, out);
        size = result.size;
        return guard.admit_udp(client, result, out, size);
    };

    bench::Message option;
    if (variant >= 2) option = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    auto mix = bench::query_mix(option);
    if (variant == 3) { // every query carries the server cookie it was given
        const std::vector<std::uint8_t> cookie_option{0, 10, 0, 24};
        for (auto& q : mix) {
            q.resize(q.size() - option.size());
            q[q.size() - 1] = static_cast<std::uint8_t>(cookie_option.size() + 24);
            std::size_t size = 0;
            auto with_client = q;
            with_client.insert(with_client.end(), option.begin(), option.end());
            with_client[with_client.size() - option.size() - 1] =
                static_cast<std::uint8_t>(option.size());
            (void)answer_one(with_client, size);
            // The reply's last 24 bytes are its COOKIE option's data.
            q.insert(q.end(), cookie_option.begin(), cookie_option.end());
            q.insert(q.end(), out.begin() + static_cast<std::ptrdiff_t>(size) - 24,
                     out.begin() + static_cast<std::ptrdiff_t>(size));
        }
    }
    std::size_t i = 0;
    std::size_t sent = 0;
    for (auto _ : state) {
        if (i % 64 == 0) guard.tick();
        std::size_t size = 0;
        sent += answer_one(mix[i], size) ? 1 : 0;
        benchmark::DoNotOptimize(size);
        if (++i == mix.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["sent"] = static_cast<double>(sent) / static_cast<double>(state.iterations());
    state.counters["valid"] = static_cast<double>(guard.counters().cookies(CookieVerdict::valid)) /
                              static_cast<double>(state.iterations());
}

BENCHMARK(BM_guarded_answer)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->ArgName("variant");

} // namespace

BENCHMARK_MAIN();

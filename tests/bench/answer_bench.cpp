// SPDX-License-Identifier: GPL-3.0-or-later
// Microbenchmark of answer() alone (Google Benchmark): nanoseconds per
// query for the same mix the DNS benchmark sends, over UDP and TCP limits;
// and over UDP through a worker's reply cache, as the UDP transport asks.
#include "dnsd/answer.hpp"
#include "dnsd/reply_cache.hpp"
#include "dnsd/zone/loader.hpp"
#include "tests/bench/query_mix.hpp"

#include <benchmark/benchmark.h>
#include <string>
#include <vector>

namespace {

using namespace phx::dns;

const ZoneSet& bench_zones() {
    static const auto zones = [] {
        phx::Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone", {}, {}}};
        return load_zone_set(sources, d);
    }();
    return *zones;
}

void BM_answer(benchmark::State& state) {
    const ZoneSet& zones = bench_zones();
    const auto mix = phx::bench::query_mix();
    const AnswerOptions options{state.range(0) == 0 ? Transport::udp : Transport::tcp, 1232, false};
    std::vector<std::uint8_t> out(kMaxMessageSize);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto result = answer(mix[i], zones, options, out);
        benchmark::DoNotOptimize(result.size);
        if (++i == mix.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_answer)->Arg(0)->Arg(1)->ArgName("tcp");

void BM_answer_cached(benchmark::State& state) {
    const ZoneSet& zones = bench_zones();
    const auto mix = phx::bench::query_mix();
    const AnswerOptions options{Transport::udp, 1232, false};
    std::vector<std::uint8_t> out(1232);
    ReplyCache cache;
    std::size_t i = 0;
    for (auto _ : state) {
        const auto result = cache.answer(mix[i], zones, options, out);
        benchmark::DoNotOptimize(result.size);
        if (++i == mix.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["hit_rate"] =
        static_cast<double>(cache.hits()) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_answer_cached);

} // namespace

BENCHMARK_MAIN();

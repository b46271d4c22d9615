// SPDX-License-Identifier: GPL-3.0-or-later
// Microbenchmark of answer() alone (Google Benchmark): nanoseconds per
// query for the same mix the DNS benchmark sends, over UDP and TCP limits.
#include "dnsd/answer.hpp"
#include "dnsd/zone/loader.hpp"
#include "tests/bench/query_mix.hpp"

#include <benchmark/benchmark.h>
#include <string>
#include <vector>

namespace {

using namespace phx::dns;

void BM_answer(benchmark::State& state) {
    static const auto zones = [] {
        phx::Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone", {}, {}}};
        return load_zone_set(sources, d);
    }();
    const auto mix = phx::bench::query_mix();
    const AnswerOptions options{state.range(0) == 0 ? Transport::udp : Transport::tcp, 1232, false};
    std::vector<std::uint8_t> out(kMaxMessageSize);
    std::size_t i = 0;
    for (auto _ : state) {
        const auto result = answer(mix[i], *zones, options, out);
        benchmark::DoNotOptimize(result.size);
        if (++i == mix.size()) i = 0;
    }
    state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_answer)->Arg(0)->Arg(1)->ArgName("tcp");

} // namespace

BENCHMARK_MAIN();

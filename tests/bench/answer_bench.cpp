// SPDX-License-Identifier: GPL-3.0-or-later
// Microbenchmark of answer() alone (Google Benchmark): nanoseconds per
// query for the same mix the DNS benchmark sends, over UDP and TCP limits.
#include "dnsd/answer.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"

#include <benchmark/benchmark.h>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace phx::dns;

std::vector<std::uint8_t> query(const std::string& name, std::uint16_t type, std::uint16_t id) {
    std::vector<std::uint8_t> q{static_cast<std::uint8_t>(id >> 8),
                                static_cast<std::uint8_t>(id),
                                0,
                                0,
                                0,
                                1,
                                0,
                                0,
                                0,
                                0,
                                0,
                                1};
    const auto n = *wire::Name::from_text(name);
    q.insert(q.end(), n.wire().begin(), n.wire().end());
    q.insert(q.end(),
             {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0}); // EDNS, 1232
    return q;
}

std::string random_case(std::string s, std::mt19937& rng) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z' && (rng() & 1)) c = static_cast<char>(c - 32);
    return s;
}

// 70 % A hits in random case, 10 % AAAA NODATA, 10 % NXDOMAIN, 5 % SOA/NS, 5 % outside.
std::vector<std::vector<std::uint8_t>> query_mix() {
    const std::vector<std::string> hosts{"nginx",      "traefik",         "ca",
                                         "portainer",  "portainer-agent", "granite-embedding",
                                         "granite-3b", "ollama",          "llamacpp"};
    std::mt19937 rng{1};
    std::vector<std::vector<std::uint8_t>> mix;
    for (std::uint16_t i = 0; i < 1000; ++i) {
        const unsigned pick = i % 20;
        const std::string host = hosts[rng() % hosts.size()] + ".internal.thinkheads.ai";
        if (pick < 14)
            mix.push_back(query(random_case(host, rng), 1, i));
        else if (pick < 16)
            mix.push_back(query(host, 28, i));
        else if (pick < 18)
            mix.push_back(query("nosuch" + std::to_string(i) + ".internal.thinkheads.ai", 1, i));
        else if (pick < 19)
            mix.push_back(query("internal.thinkheads.ai", i % 2 ? 6 : 2, i));
        else
            mix.push_back(query("www" + std::to_string(i) + ".example.com", 1, i));
    }
    return mix;
}

void BM_answer(benchmark::State& state) {
    static const auto zones = [] {
        phx::Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone", {}, {}}};
        return load_zone_set(sources, d);
    }();
    const auto mix = query_mix();
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

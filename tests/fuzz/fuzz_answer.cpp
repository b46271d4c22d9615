// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target for answer(): any bytes in, and the reply (if any) must be a
// well-formed message no larger than the transport allows; and a worker's
// reply cache must give the input, and the input with its question's case
// flipped, the very bytes answer() writes for each.
//
// Built with clang -fsanitize=fuzzer it is a libFuzzer target. Built as a
// plain program (the default, and under ctest) it replays the corpus and
// then a fixed-seed run of mutations of it, so every build checks the same
// inputs deterministically, under ASan+UBSan in the sanitizer preset.
#include "dnsd/answer.hpp"
#include "dnsd/edns_options.hpp"
#include "dnsd/reply_cache.hpp"
#include "dnsd/zone/loader.hpp"
#include "message_check.hpp"
#include "replay.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

namespace {

using namespace phx::dns;

const ZoneSet& zones() {
    static const auto set = [] {
        phx::Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone", {}, {}},
            {std::string{PHX_SOURCE_DIR} + "/tests/zones/phx.test.zone", {}, {}}};
        auto loaded = load_zone_set(sources, d);
        if (!loaded) std::abort();
        return loaded;
    }();
    return *set;
}

// A reply (if any) of the right size that parses exactly to its end;
// else a finding.
void check_reply(std::span<const std::uint8_t> reply, std::size_t limit) {
    if (reply.empty()) return;
    if (reply.size() > limit || reply.size() < kHeaderSize || (reply[2] & 0x80) == 0 ||
        !phx::fuzz::parses_whole(reply))
        std::abort();
}

// NSID (the longest allowed) and cookies, as a worker answers with them:
// the COOKIE and NSID parsing and the larger OPT record are fuzzed too.
const AnswerOptions& with_extras(Transport transport) {
    static const std::vector<std::uint8_t> nsid(kMaxNsidSize, 'n');
    static CookieSigner signer = [] {
        CookieSigner s;
        const std::vector<CookieSecret> secrets{CookieSecret{1, 2, 3}, CookieSecret{4, 5, 6}};
        s.set_secrets(secrets);
        return s;
    }();
    static const CookieContext context{&signer, 1559731985, phx::IpAddress::v4(198, 51, 100, 100)};
    static AnswerOptions options;
    options = {transport, 1232, false, nsid, &context};
    return options;
}

// The reply cache's claim (reply_cache.hpp): the question is the only place
// a query's case reaches the reply. Each option set is one worker's cache.
void check_cached(std::span<const std::uint8_t> query, const AnswerOptions& options,
                  phx::dns::ReplyCache& cache) {
    static std::vector<std::uint8_t> direct(1232), via(1232);
    const auto first = cache.probe(query, false);
    if (!first.cacheable) return;
    std::vector<std::uint8_t> flipped(query.begin(), query.end());
    for (std::size_t i = ReplyCache::kQuestionAt; i < ReplyCache::kQuestionAt + first.name_length;
         ++i)
        if ((flipped[i] | 0x20) >= 'a' && (flipped[i] | 0x20) <= 'z') flipped[i] ^= 0x20;
    for (const std::span<const std::uint8_t> q : {query, std::span<const std::uint8_t>{flipped}}) {
        const AnswerResult expected = answer(q, zones(), options, direct);
        const AnswerResult got = cache.answer(q, zones(), options, via);
        if (got.size != expected.size || got.rcode != expected.rcode ||
            got.disposition != expected.disposition ||
            std::memcmp(via.data(), direct.data(), got.size) != 0)
            std::abort();
    }
}

void one_input(const std::uint8_t* data, std::size_t size) {
    static std::vector<std::uint8_t> out(kMaxMessageSize);
    const std::span<const std::uint8_t> query{data, size};
    for (auto transport : {Transport::udp, Transport::tcp}) {
        const std::size_t limit = transport == Transport::udp ? 1232 : kMaxMessageSize;
        const auto result = answer(query, zones(), {transport, 1232}, out);
        check_reply({out.data(), result.size}, limit);
        const auto extras = answer(query, zones(), with_extras(transport), out);
        check_reply({out.data(), extras.size}, limit);
    }
    static ReplyCache plain_cache, extras_cache;
    check_cached(query, {Transport::udp, 1232}, plain_cache);
    check_cached(query, with_extras(Transport::udp), extras_cache);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    one_input(data, size);
    return 0;
}

#ifndef PHX_LIBFUZZER
int main(int argc, char** argv) {
    const auto corpus = phx::fuzz::read_inputs(argc, argv);
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: fuzz_answer CORPUS_DIR...\n");
        return 2;
    }
    using phx::fuzz::as_bytes;
    for (const auto& input : corpus) one_input(as_bytes(input).data(), input.size());
    std::mt19937 rng{20261125};
    constexpr int kMutations = phx::fuzz::mutations(500000, 100000);
    for (int i = 0; i < kMutations; ++i) {
        const auto input = phx::fuzz::mutate_bytes(corpus[rng() % corpus.size()], rng);
        one_input(as_bytes(input).data(), input.size());
    }
    std::printf("replayed %zu corpus inputs and %d mutations\n", corpus.size(), kMutations);
    return 0;
}
#endif

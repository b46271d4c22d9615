// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target for what an upstream sends us: parse_reply() on any bytes,
// then the scrubber against our zones, then writing the reply back to a
// client and caching it. Never a crash or an out-of-bounds read, and after
// scrubbing: no record at or below our zones, no additional section, no
// TTL above its cap or with the top bit set; every reply written parses
// to its end within the client's size; the cache stays within its budget.
//
// Built with clang -fsanitize=fuzzer (the fuzz preset) it is a libFuzzer
// target. Built as a plain program (the default, and under ctest) it
// replays its corpus, then a fixed-seed run of byte mutations of it.
#include "dnsd/resolver/cache.hpp"
#include "dnsd/resolver/scrub.hpp"
#include "dnsd/resolver/stored_message.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"
#include "dnsd/zone/loader.hpp"
#include "message_check.hpp"
#include "replay.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

namespace {

using namespace phx::dns;
using namespace phx::dns::resolver;

constexpr ScrubLimits kLimits{3600, 600};

const ZoneSet& ours() {
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

[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "fuzz_reply: %s\n", what);
    std::abort();
}

// The reply's question as the query it answers (RD set, with EDNS).
std::optional<ParsedQuery> question_of(std::span<const std::uint8_t> message) {
    wire::WireReader r{message, kHeaderSize};
    ParsedQuery q;
    if (!wire::read_name(r, q.qname)) return std::nullopt;
    q.qtype = RrType{r.u16()};
    q.qclass = r.u16();
    if (!r.ok()) return std::nullopt;
    q.qname_lower = q.qname;
    q.qname_lower.to_lower();
    q.has_question = true;
    q.flags = flag::rd;
    q.edns = {true, 1232, 0, (message.size() & 1) != 0, 0, 0};
    return q;
}

void check_scrubbed(const StoredMessage& m) {
    if (!m.additional.empty()) finding("an additional section survived scrubbing");
    for (const auto* section : {&m.answer, &m.authority})
        for (const StoredRr& rr : *section) {
            auto owner = wire::Name::from_wire(wire::bytes_of(rr.owner));
            if (!owner) finding("an owner that is not a name");
            owner->to_lower();
            if (ours().find(owner->view())) finding("a record for our own zone survived scrubbing");
            if (rr.ttl > kLimits.max_ttl) finding("a TTL above its cap");
        }
}

// A written reply must parse exactly to its end, within `limit`.
void check_written(std::span<const std::uint8_t> reply, std::size_t limit) {
    if (reply.empty()) return;
    if (reply.size() > limit || reply.size() < kHeaderSize) finding("a reply of the wrong size");
    if (!phx::fuzz::parses_whole(reply)) finding("a written reply that does not parse");
}

// Returns whether the bytes parsed as a reply (and so went through it all).
bool one_input(std::span<const std::uint8_t> bytes) {
    auto message = parse_reply(bytes);
    const auto query = question_of(bytes);
    if (!message || !query) return false;
    scrub(*message, *query, ours(), kLimits);
    message->shrink_to_fit();
    check_scrubbed(*message);
    static std::vector<std::uint8_t> out(kMaxMessageSize);
    for (const std::size_t limit : {std::size_t{512}, std::size_t{1232}, kMaxMessageSize}) {
        const StoredReplyShape shape{limit, 1232, true, 7, std::nullopt};
        check_written({out.data(), write_stored_reply(*message, *query, shape, out)}, limit);
    }
    static Cache cache{{64, 256 << 10, 64 << 10, std::chrono::seconds{10}}};
    const auto shared = std::make_shared<const StoredMessage>(std::move(*message));
    const auto ttl = shared->cache_ttl(kLimits.max_ttl, kLimits.max_negative_ttl);
    if (ttl) cache.store(cache_key(*query), shared, *ttl, Clock::now());
    if (cache.bytes() > (256 << 10)) finding("the cache went over its budget");
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    one_input({data, size});
    return 0;
}

#ifndef PHX_LIBFUZZER
int main(int argc, char** argv) {
    const auto corpus = phx::fuzz::read_inputs(argc, argv);
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: fuzz_reply CORPUS_DIR...\n");
        return 2;
    }
    using phx::fuzz::as_bytes;
    for (const auto& input : corpus) one_input(as_bytes(input));
    std::mt19937 rng{20261208};
    constexpr int kMutations = phx::fuzz::mutations(300000, 30000);
    std::size_t parsed = 0;
    for (int i = 0; i < kMutations; ++i) {
        const auto input = phx::fuzz::mutate_bytes(corpus[rng() % corpus.size()], rng);
        parsed += one_input(as_bytes(input)) ? 1 : 0;
    }
    // A run where nothing parses would never reach the scrubber.
    std::printf("replayed %zu corpus inputs and %d mutations; %zu parsed as replies\n",
                corpus.size(), kMutations, parsed);
    return parsed > 0 ? 0 : 1;
}
#endif

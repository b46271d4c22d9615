// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target for the transfer layer: any bytes as a request to dnsd/xfr
// (the TSIG check, the ACL, AXFR, IXFR from a journal, signed answers), as
// a reply to our NOTIFY, and as a message whose TSIG record is looked for.
// Every message a reply is made of must be a well-formed DNS message no
// larger than the transport allows, and a reply must end.
//
// Plain build (ctest, and ASan+UBSan in the sanitizer preset): replays
// tests/fuzz/corpus/transfer (tests/fuzz/make_transfer_corpus.py signs its
// seeds with this target's key at its clock) and fixed-seed mutations.
#include "dnsd/answer.hpp"
#include "dnsd/tsig/record.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"
#include "dnsd/xfr/notify_message.hpp"
#include "dnsd/xfr/outgoing.hpp"
#include "dnsd/zone/loader.hpp"
#include "message_check.hpp"
#include "replay.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace phx::dns;

constexpr std::uint64_t kNow = 1700000000; // the corpus was signed at this time

std::shared_ptr<const Zone> zone_text(const std::string& text, const std::string& origin) {
    phx::Diagnostics d;
    auto zone = load_zone_text(text, origin, origin + "zone", d);
    if (!zone) std::abort();
    return zone;
}

std::string xfr_version(int serial, const std::string& body) {
    return "$TTL 300\n@ SOA ns1 hostmaster " + std::to_string(serial) +
           " 86400 3600 1209600 60\n@ NS ns1\nns1 A 192.0.2.1\n" + body;
}

// phx.test as the AXFR zone; xfr.test in two versions, so IXFR from 1 has
// a journal to answer from.
const std::shared_ptr<const xfr::TransferState>& state() {
    static const auto s = [] {
        phx::Diagnostics d;
        std::vector<ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/tests/zones/phx.test.zone", {}, {}}};
        auto phx_test = load_zone_set(sources, d);
        if (!phx_test) std::abort();
        TransferConfig config;
        const std::string secret = "0123456789abcdef0123456789abcdef";
        config.keys.push_back({{*tsig::parse_key_name("xfr-key"),
                                tsig::Algorithm::hmac_sha256,
                                {secret.begin(), secret.end()}},
                               {}});
        config.allow.push_back(*parse_allow_transfer("127.0.0.1:xfr-key"));
        config.allow.push_back(*parse_allow_transfer("10.0.0.0/8"));
        std::shared_ptr<const xfr::TransferState> state;
        const std::pair<int, const char*> versions[] = {{1, "a A 10.0.0.1\nb TXT \"one\"\n"},
                                                        {2, "a A 10.0.0.2\nc TXT \"two\"\n"}};
        for (const auto& [serial, body] : versions) {
            auto zones = std::vector{phx_test->zones()[0],
                                     zone_text(xfr_version(serial, body), "xfr.test.")};
            state = xfr::next_state(state.get(), std::make_shared<const ZoneSet>(std::move(zones)),
                                    config);
        }
        return state;
    }();
    return s;
}

// A reply of the right size that parses exactly to its end; else a finding.
void check_message(std::span<const std::uint8_t> m, std::size_t limit) {
    if (m.size() > limit || m.size() < kHeaderSize || (m[2] & 0x80) == 0 ||
        !phx::fuzz::parses_whole(m))
        std::abort();
}

// What the inputs reached, so a run that never got past the first check
// fails instead of passing.
struct Reached {
    std::size_t transfers = 0; // AXFR or IXFR replies with records
    std::size_t verified = 0;  // requests whose signature verified
};
Reached reached;

void one_input(std::span<const std::uint8_t> input) {
    static std::vector<std::uint8_t> scratch(kMaxMessageSize);
    static std::vector<std::uint8_t> out(kMaxMessageSize);
    for (auto transport : {Transport::udp, Transport::tcp}) {
        // As the transports do: only what answer() hands over.
        if (answer(input, *state()->zones, {transport, 1232}, scratch).disposition !=
            Disposition::transfer)
            continue;
        for (const char* client : {"127.0.0.1", "10.1.2.3", "192.0.2.99"}) {
            auto reply =
                xfr::respond(input, state(), *phx::IpAddress::parse(client), transport, 1232, kNow);
            const std::size_t limit = transport == Transport::udp ? 1232 : kMaxMessageSize;
            std::size_t messages = 0;
            while (const std::size_t size = reply->next(out)) {
                check_message({out.data(), size}, limit);
                if (++messages > 1000) std::abort(); // phx.test is a few messages at most
            }
            if (reply->is_transfer() && reply->summary().records > 0) ++reached.transfers;
            if (!reply->summary().key.empty()) ++reached.verified;
        }
    }
    // As a reply to our NOTIFY for xfr.test, signed and not.
    const Zone& zone = *state()->zone(std::string_view{"\x03xfr\x04test\x00", 10});
    const tsig::Key& key = state()->keys.keys().front();
    for (const tsig::Key* k : {static_cast<const tsig::Key*>(nullptr), &key}) {
        const auto sent = xfr::make_notify(zone, 0x4242, k, kNow);
        (void)xfr::check_notify_reply(input, sent, zone, k, kNow);
    }
    if (const auto at = tsig::find_record(input)) (void)tsig::read_record(input, *at);
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
        std::fprintf(stderr, "usage: fuzz_transfer CORPUS_DIR...\n");
        return 2;
    }
    using phx::fuzz::as_bytes;
    for (const auto& input : corpus) one_input(as_bytes(input));
    std::mt19937 rng{20261205};
    constexpr int kMutations = phx::fuzz::mutations(300000, 30000);
    for (int i = 0; i < kMutations; ++i)
        one_input(as_bytes(phx::fuzz::mutate_bytes(corpus[rng() % corpus.size()], rng)));
    std::printf("replayed %zu corpus inputs and %d mutations; %zu transfers sent, %zu "
                "signatures verified\n",
                corpus.size(), kMutations, reached.transfers, reached.verified);
    return reached.transfers > 0 && reached.verified > 0 ? 0 : 1;
}
#endif

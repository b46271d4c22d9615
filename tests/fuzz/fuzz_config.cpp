// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target for phx-dnsd's configuration loader: any text through the
// TOML layer (common/config) and the config reader, then the checks main()
// runs. Never a crash; a configuration comes back exactly when no error was
// reported, and then every value is within the range the reader promises.
//
// Built with clang -fsanitize=fuzzer (the fuzz preset) it is a libFuzzer
// target. Built as a plain program (the default, and under ctest) it
// replays its inputs, then a fixed-seed run of TOML-aware text mutations.
#include "dnsd/config.hpp"
#include "replay.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace phx::dns;

[[noreturn]] void finding(const char* what, std::string_view text) {
    std::fprintf(stderr, "fuzz_config: %s for this input (%zu bytes):\n---\n", what, text.size());
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fprintf(stderr, "\n---\n");
    std::abort();
}

void check_ranges(const DnsdConfig& c, std::string_view text) {
    const auto& f = c.forward;
    const bool ok = c.workers <= 64 && c.edns_udp_size >= 512 && c.edns_udp_size <= 4096 &&
                    c.tcp_max_connections >= 1 && c.tcp_max_connections_per_client >= 1 &&
                    c.tcp_idle_timeout.count() >= 1 && f.max_outstanding >= 1 &&
                    f.max_outstanding_per_client >= 1 && f.cache_bytes <= (std::size_t{64} << 30) &&
                    f.cache_max_message_bytes >= 512 &&
                    f.cache_max_message_bytes <= (std::size_t{16} << 20) &&
                    f.timeout.count() >= 50 && f.max_ttl <= 604800 && f.max_negative_ttl <= 86400;
    if (!ok) finding("a value outside its range was accepted", text);
}

// Returns whether the text was accepted as a configuration.
bool one_input(std::string_view text) {
    phx::Diagnostics d;
    const auto config = parse_dnsd_config(std::string{text}, "/nonexistent/phx-dnsd.toml", d);
    if (config && d.failed()) finding("a configuration despite an error", text);
    if (!config && !d.failed()) finding("no configuration, and no error to say why", text);
    if (!config) return false;
    check_ranges(*config, text);
    phx::Diagnostics checks;
    check_dnsd_config(*config, "fuzz", checks);
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    one_input({reinterpret_cast<const char*>(data), size});
    return 0;
}

#ifndef PHX_LIBFUZZER
namespace {

// The mutations' raw material: the format's own characters and words.
constexpr std::string_view kAlphabet = "[]=\"'#,.-_ \t\n\\0123456789:/abcfltrsuxyz{}+";
constexpr std::string_view kWords[] = {"[server]\n",
                                       "[tcp]\n",
                                       "[forward]\n",
                                       "[metrics]\n",
                                       "[[zone]]\n",
                                       "listen = ",
                                       "upstreams = ",
                                       "allow = ",
                                       "file = ",
                                       "origin = ",
                                       "cache_bytes = ",
                                       "cache_max_message_bytes = ",
                                       "max_ttl = ",
                                       "max_outstanding_per_client = ",
                                       "max_connections_per_client = ",
                                       "timeout_ms = ",
                                       "workers = ",
                                       "\"127.0.0.1:53\"",
                                       "[\"::1/128\", \"10.0.0.0/24\"]",
                                       "\"[::1]:53\"",
                                       "0",
                                       "-1",
                                       "68719476737",
                                       "9223372036854775807",
                                       "true",
                                       "false",
                                       "\n"};

} // namespace

// Arguments: corpus directories and config files.
int main(int argc, char** argv) {
    const auto corpus = phx::fuzz::read_inputs(argc, argv);
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: fuzz_config CORPUS_DIR_OR_FILE...\n");
        return 2;
    }
    for (const auto& input : corpus) one_input(input);
    std::mt19937 rng{20261209};
    constexpr int kMutations = phx::fuzz::mutations(60000, 8000);
    std::size_t accepted = 0;
    for (int i = 0; i < kMutations; ++i) {
        const std::string input =
            phx::fuzz::mutate_text(corpus[rng() % corpus.size()], rng, kAlphabet, kWords);
        accepted += one_input(input) ? 1 : 0;
    }
    // A run where every mutation is refused would check nothing past the parser.
    std::printf("replayed %zu inputs and %d mutations; %zu were accepted\n", corpus.size(),
                kMutations, accepted);
    return accepted > 0 ? 0 : 1;
}
#endif

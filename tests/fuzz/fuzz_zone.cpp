// SPDX-License-Identifier: GPL-3.0-or-later
// Fuzz target for the zone loader: any text in (libzscanner, then our
// validation), never a crash; a zone comes back exactly when no error was
// reported, and then it has its SOA and nothing outside its origin. A zone
// updated in place from the text with one line gone (ZoneUpdate, as a
// reload does) serves exactly what a whole build of that text serves.
//
// Built with clang -fsanitize=fuzzer (the fuzz preset) it is a libFuzzer
// target. Built as a plain program (the default, and under ctest) it
// replays its inputs, then a fixed-seed run of zone-aware text mutations.
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"
#include "dnsd/zone/zone_scan.hpp"
#include "dnsd/zone/zone_update.hpp"
#include "replay.hpp"
#include "unit/dnsd/zone/zone_dump.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace phx::dns;

[[noreturn]] void finding(const char* what, std::string_view text) {
    std::fprintf(stderr, "fuzz_zone: %s for this input (%zu bytes):\n---\n", what, text.size());
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fprintf(stderr, "\n---\n");
    std::abort();
}

// $INCLUDE makes libzscanner open files of this machine: not for fuzzing.
bool mentions_include(std::string_view text) {
    std::string lower{text};
    std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return static_cast<char>(wire::lower(static_cast<std::uint8_t>(c)));
    });
    return lower.find("$include") != std::string::npos;
}

// The origin the text names with $ORIGIN, so the project's zone files load
// as zones; else "example.".
std::string origin_of(std::string_view text) {
    const auto at = text.find("$ORIGIN ");
    if (at == std::string_view::npos) return "example.";
    const auto rest = text.substr(at + 8);
    return std::string{rest.substr(0, rest.find_first_of(" \t\r\n;"))};
}

void check_zone(const Zone& zone, std::string_view text) {
    if (zone.soa().type != RrType::soa || zone.soa().rdata.size() != 1)
        finding("a zone without exactly one SOA", text);
    zone.for_each_node([&](std::string_view name, const phx::dns::Node&) {
        if (!wire::is_subdomain(name, zone.origin())) finding("a name outside the zone", text);
    });
}

// The text without one of its lines, chosen by the text itself.
std::string without_a_line(std::string_view text) {
    const auto lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
    std::size_t skip = std::hash<std::string_view>{}(text) % lines;
    std::size_t start = 0;
    for (; skip > 0; --skip) start = text.find('\n', start) + 1;
    const std::size_t end = text.find('\n', start);
    std::string out{text.substr(0, start)};
    if (end != std::string_view::npos) out += text.substr(end + 1);
    return out;
}

void check_update(const std::shared_ptr<const Zone>& zone, std::string_view text,
                  std::string origin) {
    if (!zone->facts().clean) return; // the loader updates only clean zones
    const std::string edited = without_a_line(text);
    if (origin.back() != '.') origin += '.';
    phx::Diagnostics quiet;
    ZoneUpdate update{zone, 0, 0};
    if (!scan_zone(edited, false, origin, "fuzz.zone", update, quiet)) return;
    const auto updated = std::move(update).finish();
    if (!updated) return; // left to the whole build
    phx::Diagnostics d;
    const auto whole = load_zone_text(edited, origin, "fuzz.zone", d);
    if (!whole) finding("an update serves a text a whole build refuses", edited);
    if (d.warning_count() > 0) finding("an update of a text a whole build warns about", edited);
    if (phx::test::dump(*updated) != phx::test::dump(*whole))
        finding("an update serves other records than a whole build", edited);
}

// Returns how many zones loaded (one input is tried with two origins).
int one_input(std::string_view text) {
    if (mentions_include(text)) return 0;
    int loaded = 0;
    for (const std::string& origin : {origin_of(text), std::string{"example."}}) {
        phx::Diagnostics d;
        const auto zone = load_zone_text(text, origin, "fuzz.zone", d);
        if (zone && d.failed()) finding("a zone loaded although an error was reported", text);
        if (!zone && !d.failed()) finding("no zone, and no error to say why", text);
        if (!zone) continue;
        check_zone(*zone, text);
        check_update(zone, text, origin);
        ++loaded;
    }
    return loaded;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    one_input({reinterpret_cast<const char*>(data), size});
    return 0;
}

#ifndef PHX_LIBFUZZER
namespace {

// The mutations' raw material: the format's own characters and words.
constexpr std::string_view kAlphabet = "$@.;()\\\" \t\n0123456789abcdefxyzABCDEFXYZ*-_:/#";
constexpr std::string_view kWords[] = {
    "$ORIGIN ", "$TTL ",       " IN ",    " A ",       " AAAA ",       " NS ",
    " CNAME ",  " SOA ",       " MX 10 ", " TXT ",     " SRV ",        " DNAME ",
    " PTR ",    " TYPE65280 ", " \\# 4 ", "192.0.2.1", "2001:db8::1",  "ns1",
    "www.",     "*.",          " CH ",    " 3600 ",    "\"",           "\\046",
    "\\.",      "(\n",         ")\n",     "\n@ ",      " 4294967295 ", "a.b.c.d.e.f.g.h.",
    "\n"};

} // namespace

// Arguments: corpus directories and zone files.
int main(int argc, char** argv) {
    const auto corpus = phx::fuzz::read_inputs(argc, argv);
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: fuzz_zone CORPUS_DIR_OR_FILE...\n");
        return 2;
    }
    for (const auto& input : corpus) one_input(input);
    std::mt19937 rng{20261207};
    constexpr int kMutations = phx::fuzz::mutations(40000, 1500);
    std::size_t loaded = 0;
    for (int i = 0; i < kMutations; ++i) {
        const auto input =
            phx::fuzz::mutate_text(corpus[rng() % corpus.size()], rng, kAlphabet, kWords);
        loaded += static_cast<std::size_t>(one_input(input));
    }
    // A run where no mutation loads would check nothing past the scanner.
    std::printf("replayed %zu inputs and %d mutations; %zu zones loaded\n", corpus.size(),
                kMutations, loaded);
    return loaded > 0 ? 0 : 1;
}
#endif

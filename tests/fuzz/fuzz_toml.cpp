// SPDX-License-Identifier: GPL-3.0-or-later
// Differential fuzz target for the TOML layer (common/config): the same
// bytes go to the fast reader and to toml++ alone. Whatever the fast reader
// accepts, toml++ must accept too and read as the same document (kinds,
// values, keys and positions); whatever toml++ refuses, the fast reader must
// decline. The fast reader may always decline: toml++ then reads the file.
//
// Built with clang -fsanitize=fuzzer it is a libFuzzer target. Built as a
// plain program (the default, and under ctest) it replays its inputs, then a
// fixed-seed run of text-aware mutations of them, so every build checks the
// same inputs deterministically (under ASan+UBSan in the sanitizer preset).
//
// The same text is also read split at its trailing run of [[rule]] tables,
// as the rules loader reads it (Document::read_split, read_piece): that read
// must give the whole read's document, or decline a piece.
#include "common/config/document.hpp"
#include "unit/common/config/split_check.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <vector>

namespace {

using phx::config::Document;

[[noreturn]] void finding(const char* what, std::string_view text) {
    std::fprintf(stderr, "fuzz_toml: %s for this input (%zu bytes):\n---\n", what, text.size());
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fprintf(stderr, "\n---\n");
    std::abort();
}

void one_input(std::string_view text) {
    const auto fast = Document::read_plain(std::string{text});
    for (const std::size_t per_piece : {1u, 2u})
        if (phx::test::compare_split(std::string{text}, "rule", per_piece, fast) ==
            phx::test::SplitVerdict::different)
            finding("the split read and the whole read give different documents", text);
    std::optional<Document> reference;
    try {
        reference = Document::from_toml(toml::parse(text));
    } catch (const toml::parse_error&) {
        if (fast) finding("the fast reader accepted what toml++ refuses", text);
        return;
    }
    if (fast && !(*fast == *reference))
        finding("the fast reader and toml++ read different documents", text);
}

// The bytes TOML gives meaning to, and words it knows, so mutations make
// near-TOML far more often than random bytes would.
constexpr std::string_view kAlphabet = "[]=\"'#,.-_ \t\n\r\\0123456789abcxyzAEtruefls{}:+";
constexpr std::string_view kWords[] = {"true",   "false", "[[rule]]", "[t]",   "key = ", " = ",
                                       "\"\"\"", "'''",   "\\u00e9",  "1_000", "0x1f",   "1e3",
                                       "# c\n",  "\r\n",  "\n",       "[\n",   "]\n",    ", "};

[[maybe_unused]] std::string mutated(std::string input, std::mt19937& rng) {
    for (auto n = rng() % 4 + 1; n > 0; --n) {
        const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
        switch (rng() % 6) {
        case 0: // replace a byte
            if (at < input.size()) input[at] = kAlphabet[rng() % kAlphabet.size()];
            break;
        case 1: // insert a byte
            input.insert(at, 1, kAlphabet[rng() % kAlphabet.size()]);
            break;
        case 2: // insert a word
            input.insert(at, kWords[rng() % std::size(kWords)]);
            break;
        case 3: // delete a short run
            if (at < input.size()) input.erase(at, rng() % 8 + 1);
            break;
        case 4: { // copy a run elsewhere (duplicate keys and headers)
            if (input.empty()) break;
            const std::size_t from = rng() % input.size();
            const std::string run = input.substr(from, rng() % 24 + 1);
            input.insert(rng() % (input.size() + 1), run);
            break;
        }
        default: // a raw byte, non-ASCII and control bytes included
            input.insert(at, 1, static_cast<char>(rng()));
        }
    }
    return input;
}

[[maybe_unused]] std::string read_all(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    one_input({reinterpret_cast<const char*>(data), size});
    return 0;
}

#ifndef PHX_LIBFUZZER
// Arguments: corpus directories and single files (the project's own TOML).
int main(int argc, char** argv) {
    std::vector<std::string> corpus;
    for (int i = 1; i < argc; ++i) {
        if (!std::filesystem::is_directory(argv[i])) {
            corpus.push_back(read_all(argv[i]));
            continue;
        }
        for (const auto& entry : std::filesystem::directory_iterator(argv[i]))
            corpus.push_back(read_all(entry.path()));
    }
    if (corpus.empty()) {
        std::fprintf(stderr, "usage: fuzz_toml CORPUS_DIR_OR_FILE...\n");
        return 2;
    }
    std::size_t accepted = 0;
    for (const auto& input : corpus) one_input(input);
    std::mt19937 rng{20261205};
    constexpr int kMutations = 100000;
    for (int i = 0; i < kMutations; ++i) {
        const std::string input = mutated(corpus[rng() % corpus.size()], rng);
        one_input(input);
        accepted += Document::read_plain(input) ? 1 : 0;
    }
    // A run where the fast reader declines everything would compare nothing.
    std::printf("replayed %zu inputs and %d mutations; the fast reader accepted %zu of them\n",
                corpus.size(), kMutations, accepted);
    return accepted > 0 ? 0 : 1;
}
#endif

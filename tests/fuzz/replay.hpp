// SPDX-License-Identifier: GPL-3.0-or-later
// What the fuzz targets' plain main()s share: reading their inputs (corpus
// directories and single files), and fixed-seed mutations of them, as bytes
// or as text that keeps to a format's own alphabet and words, so mutations
// reach past the first syntax check far more often than random bytes would.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fuzz {

// The sanitizer build (-O0, every access checked) runs the targets tens of
// times slower; it replays the start of the same fixed-seed sequence, so
// each run stays within seconds and checks what the release build checks
// first. GCC defines __SANITIZE_ADDRESS__ under -fsanitize=address.
constexpr int mutations([[maybe_unused]] int release, [[maybe_unused]] int sanitized) {
#ifdef __SANITIZE_ADDRESS__
    return sanitized;
#else
    return release;
#endif
}

inline std::string read_all(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::span<const std::uint8_t> as_bytes(const std::string& input) {
    return {reinterpret_cast<const std::uint8_t*>(input.data()), input.size()};
}

// Every file named, and every file in every directory named.
inline std::vector<std::string> read_inputs(int argc, char** argv) {
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        if (!std::filesystem::is_directory(argv[i])) {
            inputs.push_back(read_all(argv[i]));
            continue;
        }
        for (const auto& entry : std::filesystem::directory_iterator(argv[i]))
            if (entry.is_regular_file()) inputs.push_back(read_all(entry.path()));
    }
    return inputs;
}

// Flips, truncates, extends and copies runs of bytes.
inline std::string mutate_bytes(std::string input, std::mt19937& rng) {
    for (auto n = rng() % 6 + 1; n > 0; --n) {
        const auto action = rng() % 10;
        if (action < 5 && !input.empty()) {
            input[rng() % input.size()] = static_cast<char>(rng());
        } else if (action < 7) {
            input.resize(input.empty() ? 0 : rng() % (input.size() + 1));
        } else if (action < 8) {
            input.push_back(static_cast<char>(rng()));
        } else if (!input.empty()) { // a run copied elsewhere: repeated records, stray pointers
            const std::size_t from = rng() % input.size();
            const std::string run = input.substr(from, rng() % 32 + 1);
            input.insert(rng() % (input.size() + 1), run);
        }
    }
    return input;
}

// Inserts, replaces and deletes text using `alphabet` and `words`.
inline std::string mutate_text(std::string input, std::mt19937& rng, std::string_view alphabet,
                               std::span<const std::string_view> words) {
    for (auto n = rng() % 4 + 1; n > 0; --n) {
        const std::size_t at = input.empty() ? 0 : rng() % (input.size() + 1);
        switch (rng() % 6) {
        case 0:
            if (at < input.size()) input[at] = alphabet[rng() % alphabet.size()];
            break;
        case 1:
            input.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
        case 2:
            input.insert(at, words[rng() % words.size()]);
            break;
        case 3:
            if (at < input.size()) input.erase(at, rng() % 8 + 1);
            break;
        case 4: {
            if (input.empty()) break;
            const std::string run = input.substr(rng() % input.size(), rng() % 24 + 1);
            input.insert(rng() % (input.size() + 1), run);
            break;
        }
        default: // any byte, control and non-ASCII bytes included
            input.insert(at, 1, static_cast<char>(rng()));
        }
    }
    return input;
}

} // namespace phx::fuzz

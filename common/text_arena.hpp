// SPDX-License-Identifier: GPL-3.0-or-later
// Short strings that live as long as their owner and never change (a rules
// file's 50,000 row comments), kept end to end in large blocks. A std::string
// each costs a malloc and a fresh cache line apiece: copying the comments
// into strings took 1.7 ms of loading 10,000 rows on this project's VM.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace phx {

class TextArena {
public:
    TextArena() = default;
    // Views into the arena stay valid as long as it lives: it is neither
    // copied nor moved (share it through a pointer).
    TextArena(const TextArena&) = delete;
    TextArena& operator=(const TextArena&) = delete;

    // A copy of `text` that lives as long as the arena.
    [[nodiscard]] std::string_view keep(std::string_view text);

    // Takes over what `other` keeps (views of it stay valid), leaving it empty.
    void adopt(TextArena& other);

private:
    static constexpr std::size_t kBlockBytes = 64 * 1024;
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* next_ = nullptr;
    std::size_t room_ = 0;
};

// A view of text that lives elsewhere: in a TextArena, or a literal. What
// a row's or an element's comment is. It does not take a temporary
// std::string, which would leave it dangling.
struct TextView : std::string_view {
    constexpr TextView() noexcept = default;
    constexpr TextView(const char* text) noexcept : std::string_view(text) {}
    constexpr TextView(std::string_view text) noexcept : std::string_view(text) {}
    TextView(const std::string& text) noexcept : std::string_view(text) {}
    TextView(std::string&&) = delete;
};

} // namespace phx

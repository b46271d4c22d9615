// SPDX-License-Identifier: GPL-3.0-or-later
// Append-only storage for a zone's names and rdata. Bytes never move once
// stored, so the string_views handed out stay valid for the arena's life,
// and a million small strings cost one allocation per block instead of one
// each (with its header and, past 15 bytes, a second one).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

namespace phx::dns {

class ByteArena {
public:
    ByteArena() = default;
    ByteArena(ByteArena&&) noexcept = default;
    ByteArena& operator=(ByteArena&&) noexcept = default;

    // A copy of `bytes` that lives as long as the arena.
    [[nodiscard]] std::string_view store(std::string_view bytes);
    [[nodiscard]] std::size_t allocated() const noexcept { return allocated_; }

private:
    static constexpr std::size_t kBlockSize = 256 * 1024;

    std::vector<std::unique_ptr<char[]>> blocks_;
    char* next_ = nullptr;
    std::size_t left_ = 0;
    std::size_t allocated_ = 0;
};

} // namespace phx::dns

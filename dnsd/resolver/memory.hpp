// SPDX-License-Identifier: GPL-3.0-or-later
// How much memory a heap allocation really takes, so the cache budget counts
// what the process holds rather than what the data would take on the wire:
// a record of a 2-byte compressed owner and 1 byte of rdata becomes a
// 72-byte struct and possibly a 32-byte heap block for its owner.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

namespace phx::dns::resolver {

// glibc malloc: 8 bytes of chunk header, 16-byte granules, 32 bytes at least.
[[nodiscard]] constexpr std::size_t heap_block(std::size_t n) noexcept {
    if (n == 0) return 0;
    return std::max<std::size_t>(32, (n + 8 + 15) & ~std::size_t{15});
}

// A string's heap block; 0 while it fits in the string object itself (SSO).
[[nodiscard]] inline std::size_t heap_bytes(const std::string& s) noexcept {
    static const std::size_t inline_capacity = std::string{}.capacity();
    return s.capacity() > inline_capacity ? heap_block(s.capacity() + 1) : 0;
}

} // namespace phx::dns::resolver

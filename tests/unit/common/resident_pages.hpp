// SPDX-License-Identifier: GPL-3.0-or-later
// Which pages of a range the kernel has allocated (mincore): for tests of
// memory that must be allocated at once, not page by page as it is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <vector>

namespace phx::test {

inline constexpr std::size_t kPage = 4096;

// How many pages [first, last) touches.
inline std::size_t pages_in(const char* first, const char* last) {
    return (reinterpret_cast<std::uintptr_t>(last) + kPage - 1) / kPage -
           reinterpret_cast<std::uintptr_t>(first) / kPage;
}

// How many of the pages [first, last) touches are in memory.
inline std::size_t resident_pages(const char* first, const char* last) {
    const auto start = reinterpret_cast<std::uintptr_t>(first) & ~(kPage - 1);
    const auto end = reinterpret_cast<std::uintptr_t>(last);
    std::vector<unsigned char> in((end - start + kPage - 1) / kPage);
    REQUIRE(::mincore(reinterpret_cast<void*>(start), end - start, in.data()) == 0);
    std::size_t n = 0;
    for (const unsigned char page : in) n += page & 1;
    return n;
}

} // namespace phx::test

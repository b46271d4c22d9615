// SPDX-License-Identifier: GPL-3.0-or-later
// See huge_pages.hpp.
#include "common/huge_pages.hpp"

#include <cstdint>
#include <sys/mman.h>

namespace phx {

void prefault_huge_pages(void* data, std::size_t bytes) noexcept {
    constexpr std::uintptr_t kHuge = 2 * 1024 * 1024;
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (start + kHuge - 1) & ~(kHuge - 1);
    const std::uintptr_t end = (start + bytes) & ~(kHuge - 1);
    if (end <= first) return; // no whole huge page in it
    void* const region = reinterpret_cast<void*>(first);
    // Errors only mean the kernel cannot do it; the pages then fault in as usual.
    (void)madvise(region, end - first, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
    (void)madvise(region, end - first, MADV_POPULATE_WRITE);
#endif
}

} // namespace phx

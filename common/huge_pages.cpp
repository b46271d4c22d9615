// SPDX-License-Identifier: GPL-3.0-or-later
// See huge_pages.hpp.
#include "common/huge_pages.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <malloc.h>
#include <new>
#include <string_view>
#include <sys/mman.h>
#include <unistd.h>

namespace phx {
namespace {

// reserve_heap's and reserve_thread_heap's skipped blocks. Volatile: a
// block nobody reads is one the compiler may decline to allocate.
void* volatile skipped_below_huge_pages = nullptr;
thread_local void* volatile skipped_below_thread_huge_pages = nullptr;

// This kernel's setting, read once, with no malloc: reserve_heap asks while
// it lays out the heap's top. No THP at all reads as no huge pages.
bool kernel_huge_pages_on_advice() noexcept {
    static const bool on = [] {
        const int fd = ::open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        char line[128] = {};
        const ssize_t got = ::read(fd, line, sizeof line - 1);
        ::close(fd);
        return got > 0 &&
               huge_pages_on_advice(std::string_view{line, static_cast<std::size_t>(got)});
    }();
    return on;
}

constexpr std::size_t kSizeField = sizeof(std::size_t);
constexpr std::size_t kMinChunk = 4 * sizeof(std::size_t);

} // namespace

bool huge_pages_on_advice(std::string_view setting) noexcept {
    return setting.find("[always]") != std::string_view::npos ||
           setting.find("[madvise]") != std::string_view::npos;
}

void prefault_huge_pages(void* data, std::size_t bytes) noexcept {
    constexpr std::uintptr_t kHuge = kHugePageBytes;
    constexpr std::uintptr_t kPage = 4096;
    const auto start = reinterpret_cast<std::uintptr_t>(data);
    const std::uintptr_t first = (start + kHuge - 1) & ~(kHuge - 1);
    const std::uintptr_t end = (start + bytes) & ~(kHuge - 1);
    if (end <= first) return; // no whole huge page in it
    // Errors only mean the kernel cannot do it; the pages then fault in as usual.
    (void)madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);
#ifdef MADV_POPULATE_WRITE
    // The whole range, so the parts before and after the huge pages are
    // allocated at once too (in 4 KiB pages). It writes nothing: the pages
    // it shares with memory around it keep what they hold.
    const std::uintptr_t page_first = start & ~(kPage - 1);
    const std::uintptr_t page_end = (start + bytes + kPage - 1) & ~(kPage - 1);
    (void)madvise(reinterpret_cast<void*>(page_first), page_end - page_first, MADV_POPULATE_WRITE);
#endif
}

bool reserve_heap(std::size_t bytes, std::size_t prefault) noexcept {
    // A block just larger than the heap's free top makes malloc grow the
    // heap, by the block and M_TOP_PAD more; freed, it goes back into that
    // top, which malloc carves later blocks from.
    const std::size_t top = mallinfo2().keepcost;
    const std::size_t probe_size = top + 64 * 1024;
    mallopt(M_TRIM_THRESHOLD, -1); // or freeing the probe would give it all back
    char* const before = static_cast<char*>(sbrk(0));
    // M_TOP_PAD such that the heap ends at a huge page, a huge page more
    // than asked (the part below the first one is skipped, below). glibc
    // grows a contiguous heap by the probe's chunk (its size field added,
    // rounded up to 16), the pad and a minimal chunk, less the old top.
    const std::size_t chunk = (probe_size + kSizeField + 15) & ~std::size_t{15};
    const auto heap_end = reinterpret_cast<std::uintptr_t>(before);
    const std::size_t grown_by = chunk + kMinChunk - top; // without the pad
    const std::uintptr_t end =
        (heap_end + grown_by + bytes + 2 * kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    mallopt(M_TOP_PAD, static_cast<int>(std::min<std::size_t>(end - heap_end - grown_by, INT_MAX)));
    char* const probe = static_cast<char*>(std::malloc(probe_size));
    char* const after = static_cast<char*>(sbrk(0));
    // The probe starts in what was left of the top and ends in the new part.
    const bool grown = probe && after > before && probe <= before && probe + probe_size <= after;
    const auto start = reinterpret_cast<std::uintptr_t>(probe);
    const std::uintptr_t first_huge = (start + kHugePageBytes - 1) & ~(kHugePageBytes - 1);
    char* const huge = reinterpret_cast<char*>(first_huge);
    if (grown && huge < after) {
        const auto room = static_cast<std::size_t>(after - huge);
        (void)madvise(huge, room, MADV_HUGEPAGE);
        // Without huge pages on advice the rest would fault in 4 KiB at a
        // time: then all of it is populated, in one system call.
        const bool all = prefault >= bytes || !kernel_huge_pages_on_advice();
        prefault_huge_pages(huge, all ? room : std::min(room, whole_huge_pages(prefault)));
    }
    std::free(probe);
    mallopt(M_TOP_PAD, 2 * 1024 * 1024); // past `bytes`, grow a huge page at a time
    if (!grown || huge >= after) return grown;
    // Between the top's start and the first huge page the heap can only have
    // 4 KiB pages, and the next block malloc carves (a rules file's text)
    // would land there. On a VM the first write to a 4 KiB page costs about
    // a fault, prefaulted or not (2 MiB of them: prefaulted in 0.2-0.5 ms,
    // then written in 2.0-2.8 ms; 16 MiB of huge pages: 0.8-0.9 and 0.3-0.4
    // ms). So that part is not prefaulted but taken by a block that is never
    // written nor freed: address space, not memory. Sized so that the next
    // block starts at the huge page: glibc carves a chunk of the request
    // plus its size field, rounded up to 16 bytes, from the top's start,
    // which is the probe's chunk, 16 bytes below the probe.
    // (Less than a minimal chunk below the huge page, nothing can be
    // carved: the next block then starts those few bytes below it.)
    if (const std::size_t skip = first_huge - start; skip >= kMinChunk)
        skipped_below_huge_pages = std::malloc(skip - 2 * kSizeField);
    return true;
}

bool reserve_thread_heap(std::size_t bytes) noexcept {
#if defined(__SANITIZE_ADDRESS__)
    (void)bytes;
    return false; // its allocator has no arenas of glibc's
#else
    // glibc maps a thread's heap aligned to its largest size, HEAP_MAX_SIZE
    // (64 MiB on 64-bit), and puts its header and the arena's at the start.
    constexpr std::uintptr_t kThreadHeapBytes = std::uintptr_t{64} << 20;
    constexpr std::uintptr_t kFreshHeapUse = 64 * 1024; // headers and tcache: a few KiB
    if (bytes == 0 || bytes > kThreadHeapBytes / 2) return false;
    bytes = (bytes + kHugePageBytes - 1) & ~(kHugePageBytes - 1); // no 4 KiB pages at the end
    void* const first = std::malloc(1);
    if (first == nullptr) return false;
    const auto at = reinterpret_cast<std::uintptr_t>(first);
    const std::uintptr_t heap = at & ~(kThreadHeapBytes - 1);
    // Below the program break it is the main arena's heap; further in, an
    // arena another thread used.
    if (at < reinterpret_cast<std::uintptr_t>(sbrk(0)) || at - heap > kFreshHeapUse) {
        std::free(first);
        return false;
    }
    mallopt(M_TRIM_THRESHOLD, -1); // or freeing the reservation would give it back
    // The heap's first huge page, and where the block after first's begins
    // (its chunk: a size field, the block, rounded up to 16).
    const std::uintptr_t huge = heap + kHugePageBytes;
    const std::uintptr_t next = at + malloc_usable_size(first) - kSizeField;
    // One block from there up to `bytes` past the huge page: malloc grows
    // the heap by just that, so the huge pages are prefaulted whole before
    // anything is written at the huge page. (Grown by a block that ends at
    // the huge page, the heap would have it mapped only 4 KiB past it when
    // malloc writes the free top's size there, and that page, then the rest
    // of that 2 MiB, would be 4 KiB pages.)
    char* const reserved = static_cast<char*>(std::malloc(huge - next + bytes));
    const auto start = reinterpret_cast<std::uintptr_t>(reserved);
    const bool in_heap = reserved != nullptr && start < huge && start > heap;
    if (in_heap) prefault_huge_pages(reinterpret_cast<void*>(huge), bytes);
    std::free(reserved); // back into the heap's free top, which is never trimmed
    // Then the part below the huge page, 4 KiB pages, is taken by a block
    // never written nor freed, as in reserve_heap: the next block starts at
    // the huge page.
    if (in_heap) skipped_below_thread_huge_pages = std::malloc(huge - next - 2 * kSizeField);
    std::free(first);
    return in_heap;
#endif
}

void UnmapPages::operator()(char* p) const noexcept {
    ::munmap(p, bytes);
}

MappedPages map_huge_pages(std::size_t bytes) {
    const std::size_t rounded = whole_huge_pages(bytes);
    // Mapped a huge page larger, then trimmed to the aligned part.
    void* const mapped = ::mmap(nullptr, rounded + kHugePageBytes, PROT_READ | PROT_WRITE,
                                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    char* const start = static_cast<char*>(mapped);
    const auto address = reinterpret_cast<std::uintptr_t>(mapped);
    char* const aligned = start + (kHugePageBytes - address % kHugePageBytes) % kHugePageBytes;
    char* const end = start + rounded + kHugePageBytes;
    if (aligned > start) ::munmap(start, static_cast<std::size_t>(aligned - start));
    if (aligned + rounded < end)
        ::munmap(aligned + rounded, static_cast<std::size_t>(end - (aligned + rounded)));
    prefault_huge_pages(aligned, rounded);
    return MappedPages{aligned, UnmapPages{rounded}};
}

} // namespace phx

// SPDX-License-Identifier: GPL-3.0-or-later
// Large buffers that are written right after they are allocated (a rules
// file's text, the tree of its rows, the heap a large load fills) backed by
// huge pages, allocated at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

namespace phx {

// The size of a transparent huge page on x86-64.
inline constexpr std::size_t kHugePageBytes = 2 * 1024 * 1024;

// `bytes` rounded up to whole huge pages.
[[nodiscard]] constexpr std::size_t whole_huge_pages(std::size_t bytes) noexcept {
    return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

// Whether a kernel whose /sys/kernel/mm/transparent_hugepage/enabled reads
// `setting` ("always [madvise] never") backs memory advised MADV_HUGEPAGE
// with huge pages as it is first written: "[always]" or "[madvise]".
[[nodiscard]] bool huge_pages_on_advice(std::string_view setting) noexcept;

// Asks the kernel to back the 2 MiB-aligned part of [data, data + bytes)
// with transparent huge pages and to allocate it now, in one system call,
// instead of one page fault per 4 KiB page as it is first written. A page
// fault is cheap on bare metal, but on a virtual machine it can cost 10-20
// us: a 50,000-row rules file fills some 70 MiB, and touching that page by
// page took longer than the kernel took to install the ruleset. Call it on
// memory that is allocated (a vector's reserve(), a string's) but not yet
// written, and that will be written in full soon. Best effort: nothing
// happens for less than 2 MiB, and a kernel without THP or
// MADV_POPULATE_WRITE (before Linux 5.14) just faults the pages in as before.
void prefault_huge_pages(void* data, std::size_t bytes) noexcept;

// Grows malloc's heap (the main arena's) by about `bytes` at once, backed
// by transparent huge pages, and prefaults its first `prefault` bytes (all
// of it when `prefault` is `bytes` or more) the same way, so that what a
// program then allocates from the heap, in blocks below malloc's mmap
// threshold, takes no page fault of 4 KiB: grown as malloc goes, loading a
// 50,000-row rules file took some 3,000 of them. The rest of the new part
// comes in a huge page at a time as it is first written (a fault per 2
// MiB, each zeroing what populating would have), so room a program may not
// use costs address space, not memory: prefault what it will surely use.
// Where the kernel makes no huge pages on advice ("never"), the whole new
// part is prefaulted, as 4 KiB pages would each take a fault.
// The next block starts at the first huge page of the new part: the 4 KiB
// pages below it are set aside unwritten (see the .cpp for why). For a
// program that ends soon after: it turns off malloc's trimming of the
// heap, which would give the grown part back. False when the heap did not
// grow: the kernel refused, or malloc mapped the probe block on its own
// (call it after raising M_MMAP_THRESHOLD, as phx-fw does to 32 MiB).
[[nodiscard]] bool reserve_heap(std::size_t bytes, std::size_t prefault) noexcept;

// reserve_heap for the calling thread, which is not the program's first:
// glibc gives such a thread an arena of its own, in a heap it maps 64 MiB
// at a time and grows page by page, so a thread that loads half a large
// rules file would fault in its blocks 4 KiB at a time (on this project's
// VM, 545 faults took some 5-10 ms of a 10 ms half). Makes the arena's
// heap hold `bytes` (at most 32 MiB), rounded up to whole huge pages, from
// its first huge page on, prefaulted; the part below that page is set
// aside unwritten, as in reserve_heap. Turns off trimming, as reserve_heap
// does. Only for a fresh arena, before the thread allocates much: false,
// and nothing reserved, in the program's first thread, when the thread
// shares another's arena, under a sanitizer's allocator, or when malloc
// would map `bytes` on its own (raise M_MMAP_THRESHOLD first).
[[nodiscard]] bool reserve_thread_heap(std::size_t bytes) noexcept;

// Memory of its own (an anonymous mapping, not malloc's), `bytes` rounded up
// to whole huge pages, 2 MiB-aligned and prefaulted as above: for a buffer
// written in full right away, next to a heap whose top malloc may have to
// grow around an aligned block 4 KiB page by page. Throws std::bad_alloc.
struct UnmapPages {
    std::size_t bytes = 0; // of the mapping
    void operator()(char* p) const noexcept;
};
using MappedPages = std::unique_ptr<char, UnmapPages>;
[[nodiscard]] MappedPages map_huge_pages(std::size_t bytes);

} // namespace phx

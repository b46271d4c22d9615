// SPDX-License-Identifier: GPL-3.0-or-later
// prefault_huge_pages is only ever a hint: whatever the kernel makes of it
// (huge pages, plain pages, nothing at all), memory keeps what was written
// to it, small buffers are left alone, and a large file still reads whole.
#include "common/file_text.hpp"
#include "common/huge_pages.hpp"
#include "unit/common/resident_pages.hpp"
#include "unit/temp_file.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <doctest/doctest.h>
#include <malloc.h>
#include <string>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace phx;
using phx::test::kPage;
using phx::test::pages_in;
using phx::test::resident_pages;

namespace {

std::string pattern(std::size_t bytes) {
    std::string text(bytes, '\0');
    for (std::size_t i = 0; i < bytes; ++i) text[i] = static_cast<char>('a' + i % 23);
    return text;
}

// Written data survives, at any alignment, with the hint taken or refused.
void check_keeps_contents() {
    for (const std::size_t bytes :
         {std::size_t{0}, std::size_t{100}, std::size_t{3} << 20, (std::size_t{7} << 20) + 5}) {
        const std::string want = pattern(bytes);
        std::vector<char> buffer(want.begin(), want.end());
        buffer.reserve(bytes + 1);
        prefault_huge_pages(buffer.data() + (bytes ? 1 : 0), bytes ? bytes - 1 : 0);
        CHECK(std::string(buffer.begin(), buffer.end()) == want);
    }
    prefault_huge_pages(nullptr, 0); // an empty vector's data()
}

} // namespace

TEST_CASE("prefault_huge_pages: every page of the range is allocated at once, and no other") {
    // Fresh anonymous memory, not 2 MiB-aligned at either end of the range:
    // the huge pages inside and the plain pages before and after them.
    constexpr std::size_t kMapped = std::size_t{12} << 20;
    void* mapped =
        ::mmap(nullptr, kMapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(mapped != MAP_FAILED);
    char* const base = static_cast<char*>(mapped);
    char* const first = base + kPage + 100;
    char* const last = first + (std::size_t{7} << 20) + 300;
    CHECK(resident_pages(base, base + kMapped) == 0);
    prefault_huge_pages(first, static_cast<std::size_t>(last - first));
    CHECK(resident_pages(first, last) == pages_in(first, last));
    CHECK(resident_pages(base, first - 100) == 0);            // the page before
    CHECK(resident_pages(last + kPage, base + kMapped) == 0); // well after
    ::munmap(mapped, kMapped);
}

#if !defined(__SANITIZE_ADDRESS__)
namespace {

// reserve_heap(kReserve) from a heap that ends at `before`: what it promises.
void check_reservation(char* const before) {
    constexpr std::size_t kReserve = std::size_t{24} << 20;
    REQUIRE(reserve_heap(kReserve, kReserve));
    char* const after = static_cast<char*>(::sbrk(0));
    CHECK(mallinfo2().keepcost >= kReserve); // the heap's free top
    // It ends at a huge page, so that its last part is one too.
    CHECK(reinterpret_cast<std::uintptr_t>(after) % kHugePageBytes == 0);
    // A block of 16 MiB (below the mmap threshold) fits: no more growth.
    void* block = std::malloc(std::size_t{16} << 20);
    REQUIRE(block != nullptr);
    char* const start = static_cast<char*>(block);
    CHECK(start < after);
    // It starts at a huge page (just under one when the heap's top began
    // less than a minimal block below it), and from there the new part is
    // in memory; the 4 KiB pages the heap grew by below it were left alone,
    // but for the two where malloc wrote the sizes of the blocks it carved
    // there. The huge page may begin in the old top, below `before`.
    const auto address = reinterpret_cast<std::uintptr_t>(start);
    CHECK((address + 32) % kHugePageBytes <= 32);
    CHECK(resident_pages(start, after) == pages_in(start, after));
    if (start > before) CHECK(resident_pages(before, start) <= 2);
    CHECK(static_cast<char*>(::sbrk(0)) == after);
    std::free(block);
}

} // namespace
#endif

TEST_CASE("reserve_heap: the heap grows once, prefaulted from a huge page on, and later blocks "
          "come from there") {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024); // as phx-fw sets it before
    char* const before = static_cast<char*>(::sbrk(0));
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's malloc has no heap to grow: nothing happens.
    CHECK_FALSE(reserve_heap(std::size_t{24} << 20, std::size_t{24} << 20));
    CHECK(static_cast<char*>(::sbrk(0)) == before);
#else
    check_reservation(before);
#endif
}

TEST_CASE("reserve_heap: a huge page that begins in the heap's old free top is the first used") {
#if !defined(__SANITIZE_ADDRESS__)
    // A free top of 3 MiB holds a huge page's start whatever the addresses:
    // the reservation's first huge page then begins below the old end.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, -1); // or the freed top would be given back
    void* const grown = std::malloc(std::size_t{3} << 20);
    REQUIRE(grown != nullptr);
    std::free(grown);
    REQUIRE(mallinfo2().keepcost >= (std::size_t{3} << 20));
    check_reservation(static_cast<char*>(::sbrk(0)));
#endif
}

#if !defined(__SANITIZE_ADDRESS__)
namespace {

// Whether this kernel backs memory advised MADV_HUGEPAGE with huge pages
// when it is written ("always" or "madvise", not "never").
bool kernel_makes_huge_pages_on_advice() {
    std::FILE* const f = std::fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == nullptr) return false;
    char line[128] = {};
    const bool read = std::fgets(line, sizeof line, f) != nullptr;
    std::fclose(f);
    return read && huge_pages_on_advice(line);
}

} // namespace
#endif

TEST_CASE("reserve_heap: past what it prefaults, the new part comes in huge pages as written") {
#if !defined(__SANITIZE_ADDRESS__)
    constexpr std::size_t kMiB = std::size_t{1} << 20;
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    REQUIRE(reserve_heap(24 * kMiB, 8 * kMiB));
    char* const after = static_cast<char*>(::sbrk(0));
    char* const block = static_cast<char*>(std::malloc(20 * kMiB)); // starts at the huge page
    REQUIRE(block != nullptr);
    REQUIRE(block + 20 * kMiB < after);
    const auto address = reinterpret_cast<std::uintptr_t>(block);
    REQUIRE((address + 32) % kHugePageBytes <= 32);
    char* const huge = block + (kHugePageBytes - address % kHugePageBytes) % kHugePageBytes;
    // The first 8 MiB in memory, the block's unwritten rest not (all of it
    // where the kernel makes no huge pages on advice: prefaulted whole).
    const bool on_advice = kernel_makes_huge_pages_on_advice();
    const auto unwritten = [&](char* first, char* last) {
        return on_advice ? std::size_t{0} : pages_in(first, last);
    };
    CHECK(resident_pages(huge, huge + 8 * kMiB) == pages_in(huge, huge + 8 * kMiB));
    char* const lazy = huge + 10 * kMiB; // a huge page of the block's middle
    CHECK(resident_pages(huge + 8 * kMiB, huge + 18 * kMiB) ==
          unwritten(huge + 8 * kMiB, huge + 18 * kMiB));
    // One byte written there brings in the whole huge page, not a 4 KiB one.
    lazy[12345] = 'x';
    CHECK(resident_pages(lazy, lazy + kHugePageBytes) == kHugePageBytes / kPage);
    CHECK(resident_pages(lazy + kHugePageBytes, huge + 18 * kMiB) ==
          unwritten(lazy + kHugePageBytes, huge + 18 * kMiB));
    CHECK(lazy[12345] == 'x');
    std::free(block);
#endif
}

TEST_CASE("huge_pages_on_advice: the setting in brackets is the one in force") {
    CHECK(huge_pages_on_advice("always [madvise] never\n"));
    CHECK(huge_pages_on_advice("[always] madvise never\n"));
    CHECK_FALSE(huge_pages_on_advice("always madvise [never]\n"));
    CHECK_FALSE(huge_pages_on_advice(""));
}

TEST_CASE("prefault_huge_pages: a hint that never changes what memory holds") {
    check_keeps_contents();
}

TEST_CASE("prefault_huge_pages: without transparent huge pages, large files still read whole") {
    // As on a kernel or a process that has them turned off: MADV_HUGEPAGE
    // then fails, and the pages fault in one by one as before.
    REQUIRE(::prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) == 0);
    check_keeps_contents();
    const std::string text = pattern((std::size_t{9} << 20) + 3);
    const test::TempFile file(text);
    const FileText read = read_file_text(file.path());
    REQUIRE(read.text);
    CHECK(*read.text == text);
}

namespace {

// The AnonHugePages of the mapping holding `address`, in KiB (smaps).
std::size_t huge_kib_around(const void* address) {
    std::FILE* smaps = std::fopen("/proc/self/smaps", "r");
    REQUIRE(smaps != nullptr);
    const auto at = reinterpret_cast<std::uintptr_t>(address);
    char line[512];
    bool inside = false;
    std::size_t kib = 0;
    while (std::fgets(line, sizeof line, smaps)) {
        unsigned long first = 0, last = 0;
        if (std::sscanf(line, "%lx-%lx ", &first, &last) == 2 && std::strchr(line, ' ') &&
            std::strchr(line, '-') < std::strchr(line, ' ')) {
            inside = first <= at && at < last;
            continue;
        }
        if (inside) std::sscanf(line, "AnonHugePages: %zu kB", &kib);
    }
    std::fclose(smaps);
    return kib;
}

} // namespace

TEST_CASE("reserve_thread_heap: a new thread's blocks come from huge pages, prefaulted") {
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);           // as phx-fw sets it before
    constexpr std::size_t kReserve = std::size_t{7} << 20; // 8 MiB once rounded up
    constexpr std::size_t kBlock = std::size_t{6} << 20;
    // Read in the thread, checked here: doctest's checks belong to the test's.
    bool reserved = false;
    std::uintptr_t block_at = 0;
    std::size_t resident = 0, pages = 0, huge_kib = 0;
    std::thread thread([&] {
        reserved = reserve_thread_heap(kReserve);
        // A block written in full right after comes from the reservation.
        char* const block = static_cast<char*>(std::malloc(kBlock));
        if (block == nullptr) return;
        block_at = reinterpret_cast<std::uintptr_t>(block);
        resident = resident_pages(block, block + kBlock);
        pages = pages_in(block, block + kBlock);
        huge_kib = huge_kib_around(block);
        std::free(block);
    });
    thread.join();
    REQUIRE(block_at != 0);
#if defined(__SANITIZE_ADDRESS__)
    CHECK_FALSE(reserved); // its allocator has no arenas of glibc's
#else
    REQUIRE(reserved);
    // Its chunk starts at the heap's first huge page; the block itself 16
    // bytes in, past malloc's two size fields.
    CHECK(block_at % kHugePageBytes == 16);
    CHECK(resident == pages);
    CHECK(huge_kib >= kBlock / 1024);
#endif
}

TEST_CASE("reserve_thread_heap: the program's first thread, and too much, are refused") {
#if !defined(__SANITIZE_ADDRESS__)
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    CHECK_FALSE(reserve_thread_heap(std::size_t{8} << 20)); // the main arena: reserve_heap's
#endif
    bool too_much = true, nothing = true;
    std::thread thread([&] {
        too_much = reserve_thread_heap(std::size_t{40} << 20);
        nothing = reserve_thread_heap(0);
    });
    thread.join();
    CHECK_FALSE(too_much);
    CHECK_FALSE(nothing);
}

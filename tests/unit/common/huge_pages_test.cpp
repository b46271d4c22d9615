// SPDX-License-Identifier: GPL-3.0-or-later
// prefault_huge_pages is only ever a hint: whatever the kernel makes of it
// (huge pages, plain pages, nothing at all), memory keeps what was written
// to it, small buffers are left alone, and a large file still reads whole.
#include "common/file_text.hpp"
#include "common/huge_pages.hpp"
#include "unit/temp_file.hpp"

#include <cstddef>
#include <doctest/doctest.h>
#include <string>
#include <sys/prctl.h>
#include <vector>

using namespace phx;

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

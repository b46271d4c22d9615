// SPDX-License-Identifier: GPL-3.0-or-later
// Reading input files: only regular files, never without limit, and a
// reason when not.
#include "common/file_text.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <string>
#include <vector>
#include <sys/stat.h>
#include <unistd.h>

using namespace phx;
using phx::test::TempFile;

TEST_CASE("read_file_text: a regular file is read whole") {
    const TempFile file("a = 1\n");
    const FileText read = read_file_text(file.path());
    REQUIRE(read.text);
    CHECK(*read.text == "a = 1\n");
}

TEST_CASE("read_file_text: what is not a regular file is refused at once, with the reason") {
    CHECK(read_file_text("/nonexistent/x").error == "No such file or directory");
    CHECK(read_file_text("/").error == "is a directory");
    CHECK(read_file_text("/dev/zero").error == "is a device");
    // A FIFO with no writer would block a plain open() forever.
    const std::string fifo =
        (std::filesystem::temp_directory_path() / ("phx-fifo-" + std::to_string(::getpid())))
            .string();
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    const FileText read = read_file_text(fifo);
    ::unlink(fifo.c_str());
    CHECK_FALSE(read.text);
    CHECK(read.error == "is a pipe (FIFO)");
}

TEST_CASE("read_file_text: a file larger than the limit is refused") {
    const TempFile file(std::string(2048, 'x'));
    CHECK(read_file_text(file.path(), 4096).text);
    const FileText read = read_file_text(file.path(), 1024);
    CHECK_FALSE(read.text);
    CHECK(read.error.find("is 2048 bytes") == 0);
}

TEST_CASE("file_problem: empty for a readable regular file, else the reason") {
    const TempFile file("x");
    CHECK(file_problem(file.path()).empty());
    CHECK(file_problem("/nonexistent/x") == "No such file or directory");
    CHECK(file_problem("/") == "is a directory");
}

TEST_CASE("read_file_pieces: whole pieces but the last, in order, under the same rules") {
    std::string text;
    for (int i = 0; i < 1000; ++i) text += std::to_string(i) + "\n";
    const TempFile file(text);
    std::vector<std::size_t> sizes;
    std::string joined;
    CHECK(read_file_pieces(file.path(), 1 << 20, 1000, [&](std::string_view piece) {
              sizes.push_back(piece.size());
              joined += piece;
          }).empty());
    CHECK(joined == text);
    REQUIRE(sizes.size() == (text.size() + 999) / 1000);
    for (std::size_t i = 0; i + 1 < sizes.size(); ++i) CHECK(sizes[i] == 1000);
    CHECK(sizes.back() == text.size() - 1000 * (sizes.size() - 1));

    const auto nothing = [](std::string_view) { FAIL("no piece of a file that is refused"); };
    CHECK(read_file_pieces("/", 1 << 20, 1000, nothing) == "is a directory");
    CHECK(read_file_pieces(file.path(), 100, 1000, nothing).find("over the limit") !=
          std::string::npos);
}

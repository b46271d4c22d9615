// SPDX-License-Identifier: GPL-3.0-or-later
// Whole-file reads with errno text; see file_text.hpp.
#include "common/file_text.hpp"

#include "common/fd.hpp"
#include "common/huge_pages.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

namespace phx {
namespace {

FileText failure(std::string why) {
    return {std::nullopt, std::move(why)};
}

std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "is a directory";
    if (S_ISFIFO(mode)) return "is a pipe (FIFO)";
    if (S_ISSOCK(mode)) return "is a socket";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "is a device";
    return "is not a regular file";
}

// An open descriptor of a regular file, or why there is none.
// O_NONBLOCK: opening a FIFO without a writer must not hang; it is refused
// right after anyway.
std::string open_regular(const std::string& path, Fd& fd, struct stat& st) {
    fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) return std::strerror(errno);
    if (::fstat(fd.get(), &st) != 0) return std::strerror(errno);
    if (!S_ISREG(st.st_mode)) return kind_of(st.st_mode);
    return {};
}

} // namespace

std::string file_problem(const std::string& path) {
    Fd fd;
    struct stat st {};
    return open_regular(path, fd, st);
}

FileText read_file_text(const std::string& path, std::size_t max_bytes) {
    Fd fd;
    struct stat st {};
    if (std::string why = open_regular(path, fd, st); !why.empty()) return failure(std::move(why));
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size > max_bytes)
        return failure(fmt::format("is {} bytes, over the limit of {} bytes for an input file",
                                   size, max_bytes));
    std::string text;
    text.reserve(size);
    prefault_huge_pages(text.data(), size); // a large rules file: see huge_pages.hpp
    text.resize(size);
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd.get(), text.data() + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failure(std::strerror(errno));
        if (n == 0) break; // it shrank while we read: take what is there
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return {std::move(text), {}};
}

} // namespace phx

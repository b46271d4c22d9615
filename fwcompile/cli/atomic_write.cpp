// SPDX-License-Identifier: GPL-3.0-or-later
// write_atomically(); see atomic_write.hpp.
#include "fwcompile/cli/atomic_write.hpp"

#include "common/fd.hpp"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <system_error>
#include <vector>

namespace phx::fw::cli {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void write_all(int fd, const std::string& text, const std::string& path) {
    for (std::size_t done = 0; done < text.size();) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail("cannot write " + path);
        done += static_cast<std::size_t>(n);
    }
}

// The temporary file goes away unless it was renamed into place.
class TempFile {
public:
    explicit TempFile(const std::string& target) : path_{target + ".XXXXXX"} {
        std::vector<char> name(path_.begin(), path_.end());
        name.push_back('\0');
        fd_.reset(::mkostemp(name.data(), O_CLOEXEC));
        if (!fd_.valid()) fail("cannot create a temporary file next to " + target);
        path_ = name.data();
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (!renamed_) ::unlink(path_.c_str());
    }
    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const std::string& path() const { return path_; }
    void renamed() { renamed_ = true; }

private:
    std::string path_;
    Fd fd_;
    bool renamed_ = false;
};

} // namespace

void write_atomically(const std::string& path, const std::string& text, mode_t mode) {
    TempFile temp{path};
    write_all(temp.fd(), text, temp.path());
    if (::fchmod(temp.fd(), mode) != 0) fail("cannot set the mode of " + temp.path());
    // On disk before the rename, so a crash leaves the old file or the whole new one.
    if (::fsync(temp.fd()) != 0) fail("cannot flush " + temp.path());
    if (::rename(temp.path().c_str(), path.c_str()) != 0) fail("cannot replace " + path);
    temp.renamed();
    std::filesystem::path directory = std::filesystem::path{path}.parent_path();
    const Fd dir{
        ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.valid()) ::fsync(dir.get()); // the rename itself, on disk
}

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// A temporary file holding some text, removed when it goes out of scope:
// for tests that feed hand-written config to a loader.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace phx::test {

class TempFile {
public:
    explicit TempFile(const std::string& text) {
        char name[] = "/tmp/phx-test-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0) std::abort();
        std::FILE* f = fdopen(fd, "w");
        std::fputs(text.c_str(), f);
        std::fclose(f);
        path_ = name;
    }
    ~TempFile() { std::remove(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

} // namespace phx::test

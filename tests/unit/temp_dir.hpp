// SPDX-License-Identifier: GPL-3.0-or-later
// A private temporary directory, removed with everything in it when it goes
// out of scope: for tests that need files laid out as a program finds them
// (Proxmox's configuration, a runtime directory), with no root needed.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace phx::test {

class TempDir {
public:
    TempDir() {
        char name[] = "/tmp/phx-test-XXXXXX";
        if (!::mkdtemp(name)) std::abort();
        path_ = name;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to the relative path `name`, making its directories.
    void write(const std::string& name, const std::string& text) const {
        std::filesystem::create_directories(
            std::filesystem::path{path_ + "/" + name}.parent_path());
        std::ofstream{path_ + "/" + name} << text;
    }
    [[nodiscard]] const std::string& path() const { return path_; }

private:
    std::string path_;
};

} // namespace phx::test

// SPDX-License-Identifier: GPL-3.0-or-later
// The pending state of `apply --confirm` in a temporary runtime directory:
// one apply per namespace at a time, a private directory, and how other
// runs reach the keeper. Real files and sockets, no root.
#include "fwcompile/confirm/pending.hpp"
#include "unit/fwcompile/confirm/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace phx;
using namespace phx::fw::confirm;
using namespace phx::fw::confirm::test;

namespace {

std::string refusal(const std::string& dir) {
    return fmt::format("refusing the runtime directory {}: it must be a directory owned by this "
                       "user that no one else can write to",
                       dir);
}

// Sets or clears an environment variable for one test.
class EnvironmentKept {
public:
    explicit EnvironmentKept(const char* name) : name_{name} {
        if (const char* value = std::getenv(name)) old_ = value;
    }
    ~EnvironmentKept() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }
    EnvironmentKept(const EnvironmentKept&) = delete;
    EnvironmentKept& operator=(const EnvironmentKept&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

// A keeper that answers one client: "ok: got <command>". Returns what it received.
std::string answer_one(const Fd& listener) {
    const Fd client{::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC)};
    char buffer[64] = {};
    const ssize_t n = ::recv(client.get(), buffer, sizeof buffer - 1, 0);
    const std::string received = n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
    const std::string answer = "ok: got " + received.substr(0, received.find('\n')) + "\n";
    ::send(client.get(), answer.data(), answer.size(), MSG_NOSIGNAL);
    return received;
}

} // namespace

TEST_CASE("pending: a second apply is refused while the first holds the namespace") {
    TempDir dir;
    const PendingPaths paths = paths_in(dir.path());
    CHECK_FALSE(apply_pending(paths)); // never used: not even a lock file

    Fd first = claim_pending(paths);
    REQUIRE(first.valid());
    CHECK(apply_pending(paths));
    CHECK_FALSE(claim_pending(paths).valid());

    first.reset();
    CHECK_FALSE(apply_pending(paths));
    CHECK(claim_pending(paths).valid());
}

TEST_CASE("pending: the keeper's copy of the lock holds the namespace after the foreground lets "
          "go") {
    TempDir dir;
    const PendingPaths paths = paths_in(dir.path());
    Fd lock = claim_pending(paths);
    REQUIRE(lock.valid());
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    const pid_t keeper = ::fork();
    REQUIRE(keeper >= 0);
    if (keeper == 0) { // holds its copy until the pipe closes
        ::close(ends[1]);
        char byte;
        [[maybe_unused]] const ssize_t ignored = ::read(ends[0], &byte, 1);
        ::_exit(0);
    }
    ::close(ends[0]);
    lock.reset();
    CHECK(apply_pending(paths));
    ::close(ends[1]);
    int status = 0;
    REQUIRE(::waitpid(keeper, &status, 0) == keeper);
    CHECK_FALSE(apply_pending(paths));
}

TEST_CASE("pending: applies in two namespaces do not meet") {
    TempDir dir;
    const PendingPaths here = paths_in(dir.path());
    PendingPaths there = here;
    there.lock = dir.path() + "/net-4026532281.lock";

    const Fd held = claim_pending(here);
    REQUIRE(held.valid());
    CHECK_FALSE(apply_pending(there));
    CHECK(claim_pending(there).valid());
}

TEST_CASE("runtime directory: created private when missing, refused when others may write") {
    TempDir dir;
    const std::string run = dir.path() + "/run";
    ensure_runtime_dir(run);
    struct stat st {};
    REQUIRE(::stat(run.c_str(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));
    CHECK((st.st_mode & 0777) == 0700);
    CHECK_NOTHROW(ensure_runtime_dir(run)); // already there and fine

    REQUIRE(::chmod(run.c_str(), 0770) == 0);
    CHECK_THROWS_WITH_AS(ensure_runtime_dir(run), refusal(run).c_str(), std::runtime_error);
    REQUIRE(::chmod(run.c_str(), 0703) == 0);
    CHECK_THROWS_WITH_AS(ensure_runtime_dir(run), refusal(run).c_str(), std::runtime_error);

    const std::string file = dir.path() + "/file";
    std::ofstream{file} << "not a directory\n";
    CHECK_THROWS_WITH_AS(ensure_runtime_dir(file), refusal(file).c_str(), std::runtime_error);
}

TEST_CASE("ask_keeper: a listening keeper's answer comes back as one line, and none listening is "
          "nullopt") {
    TempDir dir;
    const PendingPaths paths = paths_in(dir.path());
    CHECK_FALSE(ask_keeper(paths, "confirm").has_value()); // no socket at all

    Fd listener = listen_for_commands(paths);
    REQUIRE(listener.valid());
    std::string received;
    std::thread keeper{[&] { received = answer_one(listener); }};
    const auto answer = ask_keeper(paths, "confirm");
    keeper.join();
    CHECK(received == "confirm\n");
    CHECK(answer == "ok: got confirm");

    listener.reset(); // a keeper that was killed leaves its socket behind
    CHECK_FALSE(ask_keeper(paths, "confirm").has_value());
    CHECK(listen_for_commands(paths).valid()); // and the next one replaces it
}

TEST_CASE("pending: a socket path too long for a unix socket is refused with the way out") {
    TempDir dir;
    PendingPaths paths = paths_in(dir.path());
    paths.socket = dir.path() + "/" + std::string(120, 'x') + ".sock";
    CHECK_THROWS_WITH_AS((void)listen_for_commands(paths),
                         fmt::format("the socket path {} is too long; set PHX_FW_RUNTIME_DIR to a "
                                     "shorter directory",
                                     paths.socket)
                             .c_str(),
                         std::runtime_error);
}

TEST_CASE("pending paths: named after the namespace's inode, under PHX_FW_RUNTIME_DIR if set") {
    const EnvironmentKept kept{kRuntimeDirVariable};
    TempDir dir;
    struct stat ns {};
    REQUIRE(::stat("/proc/self/ns/net", &ns) == 0);
    REQUIRE(::setenv(kRuntimeDirVariable, dir.path().c_str(), 1) == 0);

    const PendingPaths paths = pending_paths();
    const std::string base = fmt::format("{}/net-{}", dir.path(), ns.st_ino);
    CHECK(paths.dir == dir.path());
    CHECK(paths.netns == fmt::format("net:[{}]", ns.st_ino));
    CHECK(paths.lock == base + ".lock");
    CHECK(paths.socket == base + ".sock");
    CHECK(paths.log == base + ".log");

    REQUIRE(::unsetenv(kRuntimeDirVariable) == 0);
    CHECK(pending_paths().dir == "/run/phx-fw");
}

TEST_CASE("pending: the last logged event is the log's last line, or nothing without a log") {
    TempDir dir;
    const PendingPaths paths = paths_in(dir.path());
    CHECK(last_logged_event(paths).empty());
    std::ofstream{paths.log} << "2024-05-01 22:16:20 net:[1] applied\n"
                                "2024-05-01 22:16:50 net:[1] rolled back\n\n";
    CHECK(last_logged_event(paths) == "2024-05-01 22:16:50 net:[1] rolled back");
}

TEST_CASE("pending: the lock and the log are never opened through a symbolic link") {
    TempDir dir;
    const PendingPaths paths = paths_in(dir.path());
    const std::string target = dir.path() + "/elsewhere";
    std::ofstream{target} << "someone else's file\n";
    REQUIRE(::symlink(target.c_str(), paths.lock.c_str()) == 0);
    CHECK_THROWS_AS((void)claim_pending(paths), std::system_error);
    REQUIRE(::symlink(target.c_str(), paths.log.c_str()) == 0);
    CHECK(last_logged_event(paths).empty());
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The runtime directory, the per-namespace lock and the command socket of a
// pending `apply --confirm`; see pending.hpp.
#include "fwcompile/confirm/pending.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <system_error>

namespace phx::fw::confirm {
namespace {

// How long a client waits for the keeper's answer; it answers at once.
constexpr int kAnswerTimeoutSeconds = 5;

[[noreturn]] void fail(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

sockaddr_un socket_address(const std::string& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path)
        throw std::runtime_error(
            fmt::format("the socket path {} is too long; set {} to a shorter directory", path,
                        kRuntimeDirVariable));
    std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
    return address;
}

Fd open_lock(const PendingPaths& paths, int flags) {
    // O_NOFOLLOW: the lock is ours, not whatever a link planted here points at.
    Fd fd{::open(paths.lock.c_str(), flags | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600)};
    if (!fd.valid() && errno != ENOENT) fail("cannot open " + paths.lock);
    return fd;
}

void set_timeouts(int fd) {
    const timeval timeout{kAnswerTimeoutSeconds, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
}

} // namespace

PendingPaths pending_paths() {
    struct stat ns {};
    if (::stat("/proc/self/ns/net", &ns) != 0)
        fail("cannot tell this process's network namespace from /proc/self/ns/net");
    const char* override_dir = std::getenv(kRuntimeDirVariable);
    PendingPaths p;
    p.dir = override_dir && *override_dir ? override_dir : kDefaultRuntimeDir;
    p.netns = fmt::format("net:[{}]", ns.st_ino);
    const std::string base = fmt::format("{}/net-{}", p.dir, ns.st_ino);
    p.lock = base + ".lock";
    p.socket = base + ".sock";
    p.log = base + ".log";
    return p;
}

void ensure_runtime_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
        fail("cannot create the runtime directory " + dir);
    struct stat st {};
    if (::lstat(dir.c_str(), &st) != 0) fail("cannot read the runtime directory " + dir);
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
        throw std::runtime_error(fmt::format(
            "refusing the runtime directory {}: it must be a directory owned by this user that "
            "no one else can write to",
            dir));
}

Fd claim_pending(const PendingPaths& paths) {
    Fd fd = open_lock(paths, O_CREAT);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return fd;
    if (errno != EWOULDBLOCK) fail("cannot lock " + paths.lock);
    return Fd{};
}

bool apply_pending(const PendingPaths& paths) {
    const Fd fd = open_lock(paths, 0);
    if (!fd.valid()) return false; // never used in this namespace
    if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) return false;
    if (errno != EWOULDBLOCK) fail("cannot lock " + paths.lock);
    return true;
}

Fd listen_for_commands(const PendingPaths& paths) {
    const sockaddr_un address = socket_address(paths.socket);
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd.valid()) fail("cannot create a unix socket");
    // A socket left by a keeper that was killed: the lock we hold says it is stale.
    if (::unlink(paths.socket.c_str()) != 0 && errno != ENOENT)
        fail("cannot remove the stale socket " + paths.socket);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        fail("cannot bind " + paths.socket);
    if (::listen(fd.get(), 8) != 0) fail("cannot listen on " + paths.socket);
    return fd;
}

std::optional<std::string> ask_keeper(const PendingPaths& paths, const std::string& command) {
    const sockaddr_un address = socket_address(paths.socket);
    Fd fd{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
    if (!fd.valid()) fail("cannot create a unix socket");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        if (errno == ENOENT || errno == ECONNREFUSED) return std::nullopt;
        fail("cannot reach the waiting phx-fw at " + paths.socket);
    }
    set_timeouts(fd.get());
    const std::string line = command + "\n";
    if (::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL) < 0)
        fail("cannot talk to the waiting phx-fw at " + paths.socket);
    std::string answer;
    char buffer[512];
    for (ssize_t n; (n = ::recv(fd.get(), buffer, sizeof buffer, 0)) > 0;)
        answer.append(buffer, static_cast<std::size_t>(n));
    if (answer.empty()) return std::nullopt; // it stopped listening as we connected
    while (!answer.empty() && answer.back() == '\n') answer.pop_back();
    return answer;
}

std::string last_logged_event(const PendingPaths& paths) {
    const Fd fd{::open(paths.log.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
    if (!fd.valid()) return {};
    std::string text;
    char buffer[4096];
    for (ssize_t n; (n = ::read(fd.get(), buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(n));
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto last = text.find_last_of('\n');
    return last == std::string::npos ? text : text.substr(last + 1);
}

} // namespace phx::fw::confirm

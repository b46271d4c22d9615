// SPDX-License-Identifier: GPL-3.0-or-later
// systemd notification through libsystemd, and the privilege drop.
#include "dnsd/net/system.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <stdexcept>
#include <systemd/sd-daemon.h>
#include <unistd.h>

namespace phx::dns::net {

void notify_ready(std::string_view status) {
    sd_notify(0, fmt::format("READY=1\nSTATUS={}", status).c_str());
}

void notify_reloading() {
    sd_notify(0, "RELOADING=1\nSTATUS=reloading");
}

void notify_stopping() {
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void drop_privileges(const std::string& user) {
    if (user.empty()) return;
    errno = 0;
    const passwd* pw = getpwnam(user.c_str());
    if (pw == nullptr)
        throw std::runtime_error(fmt::format("cannot run as user '{}': no such user", user));
    if (geteuid() == pw->pw_uid && getegid() == pw->pw_gid) return;
    if (geteuid() != 0)
        throw std::runtime_error(
            fmt::format("cannot switch to user '{}': not running as root", user));
    // Supplementary groups first, while we still may; then the group, then the user.
    if (setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        throw std::runtime_error(
            fmt::format("cannot switch to user '{}': {}", user, std::strerror(errno)));
    if (setuid(0) == 0)
        throw std::runtime_error("privileges were not dropped: root could be regained");
}

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// The daemon's dealings with the operating system: systemd readiness
// notifications (Type=notify) and giving up root once the sockets are bound.
#pragma once

#include <string>
#include <string_view>

namespace phx::dns::net {

// sd_notify(3) messages; no-ops when not started by systemd.
void notify_ready(std::string_view status);
void notify_reloading();
void notify_stopping();

// Switches to `user` (its uid, gid and no supplementary groups) for good.
// Does nothing for an empty name or when already running as that user.
// Throws std::runtime_error with the reason when it cannot.
void drop_privileges(const std::string& user);

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// TCP slots: one lock around a total and the per-client counts.
#include "dnsd/net/tcp_slots.hpp"

namespace phx::dns::net {

TcpSlots::Admit TcpSlots::acquire(const IpAddress& client) {
    const std::lock_guard lock{mutex_};
    if (open_ >= max_total_) {
        total_full_.add();
        return Admit::total_full;
    }
    if (!per_client_.try_add(client)) {
        client_full_.add();
        return Admit::client_full;
    }
    ++open_;
    return Admit::ok;
}

void TcpSlots::release(const IpAddress& client) {
    const std::lock_guard lock{mutex_};
    per_client_.remove(client);
    --open_;
}

std::size_t TcpSlots::open() const {
    const std::lock_guard lock{mutex_};
    return open_;
}

} // namespace phx::dns::net

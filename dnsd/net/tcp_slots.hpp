// SPDX-License-Identifier: GPL-3.0-or-later
// The TCP connection slots all workers share: a cap on connections in
// total and one per client (an IPv4 address, an IPv6 /64), so that one
// address holding idle connections cannot lock every other client out for
// the idle timeout, again and again. Thread-safe: accepting and closing are
// rare next to queries, so a mutex is cheap enough.
#pragma once

#include "common/net.hpp"
#include "dnsd/client_counts.hpp"
#include "dnsd/metrics.hpp"

#include <cstddef>
#include <mutex>

namespace phx::dns::net {

class TcpSlots {
public:
    TcpSlots(std::size_t max_total, std::size_t max_per_client)
        : max_total_{max_total}, per_client_{max_per_client} {}

    enum class Admit : std::uint8_t { ok, total_full, client_full };
    // Takes a slot for a new connection from `client`; anything but ok
    // means close it at once (RFC 7766 §6.2.2) and nothing was taken.
    Admit acquire(const IpAddress& client);
    void release(const IpAddress& client);

    [[nodiscard]] std::size_t open() const;
    // Connections refused because every slot was taken, or the client's.
    [[nodiscard]] std::uint64_t refused_total_full() const noexcept { return total_full_.get(); }
    [[nodiscard]] std::uint64_t refused_client_full() const noexcept { return client_full_.get(); }

private:
    mutable std::mutex mutex_;
    std::size_t max_total_;
    std::size_t open_ = 0;
    ClientCounts per_client_;
    Counter total_full_;  // written under the mutex, read by the metrics endpoint
    Counter client_full_; // likewise
};

} // namespace phx::dns::net

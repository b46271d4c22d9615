// SPDX-License-Identifier: GPL-3.0-or-later
// Per-client counts with a limit: how many TCP connections, or forwarded
// queries waiting upstream, one client holds, so that no single client can
// take every slot. Not thread-safe: the caller owns the locking, if any.
#pragma once

#include "common/net.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace phx::dns {

class ClientCounts {
public:
    // `limit`: what one client may hold at once (at least 1).
    explicit ClientCounts(std::size_t limit) : limit_{limit} {}

    // Takes one slot for `client`; false (and nothing taken) at the limit.
    [[nodiscard]] bool try_add(const IpAddress& client);
    // Gives one slot back; a client holding none is left alone.
    void remove(const IpAddress& client) noexcept;

    [[nodiscard]] std::size_t count(const IpAddress& client) const noexcept;
    [[nodiscard]] std::size_t clients() const noexcept { return counts_.size(); }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

private:
    // An IPv4 address, or an IPv6 /64: one host is routinely given a whole
    // /64, so counting IPv6 addresses one by one would limit nobody.
    using Key = std::array<std::uint8_t, 9>;
    struct KeyHash {
        std::size_t operator()(const Key& k) const noexcept;
    };
    [[nodiscard]] static Key key_of(const IpAddress& client) noexcept;

    std::size_t limit_;
    std::unordered_map<Key, std::size_t, KeyHash> counts_;
};

} // namespace phx::dns

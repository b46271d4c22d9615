// SPDX-License-Identifier: GPL-3.0-or-later
// Per-client counts keyed by address (IPv4) or /64 (IPv6).
#include "dnsd/client_counts.hpp"

#include <algorithm>
#include <string_view>

namespace phx::dns {

std::size_t ClientCounts::KeyHash::operator()(const Key& k) const noexcept {
    return std::hash<std::string_view>{}({reinterpret_cast<const char*>(k.data()), k.size()});
}

ClientCounts::Key ClientCounts::key_of(const IpAddress& client) noexcept {
    Key key{};
    key[0] = client.family == IpFamily::v4 ? 4 : 6;
    const std::size_t n = client.family == IpFamily::v4 ? 4 : 8;
    std::copy_n(client.bytes.begin(), n, key.begin() + 1);
    return key;
}

bool ClientCounts::try_add(const IpAddress& client) {
    const Key key = key_of(client);
    const auto it = counts_.find(key);
    if (it == counts_.end()) {
        if (limit_ == 0) return false;
        counts_.emplace(key, 1); // clients holding nothing have no entry: the map stays small
        return true;
    }
    if (it->second >= limit_) return false;
    ++it->second;
    return true;
}

void ClientCounts::remove(const IpAddress& client) noexcept {
    const auto it = counts_.find(key_of(client));
    if (it == counts_.end()) return;
    if (--it->second == 0) counts_.erase(it);
}

std::size_t ClientCounts::count(const IpAddress& client) const noexcept {
    const auto it = counts_.find(key_of(client));
    return it == counts_.end() ? 0 : it->second;
}

} // namespace phx::dns

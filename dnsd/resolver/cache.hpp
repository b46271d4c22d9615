// SPDX-License-Identifier: GPL-3.0-or-later
// The answer cache of the forwarding resolver: replies keyed by (name, type,
// class, DO), kept for their TTL, then for a stale window in which they may
// still be served when every upstream is down (RFC 8767). Least recently
// used entries are evicted beyond the size limit. Used from one thread.
#pragma once

#include "dnsd/query.hpp"
#include "dnsd/resolver/stored_message.hpp"

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

namespace phx::dns::resolver {

using Clock = std::chrono::steady_clock;

// (lower-case name, type, class, DO) as one string.
[[nodiscard]] std::string cache_key(const ParsedQuery& query);

class Cache {
public:
    Cache(std::size_t max_entries, std::chrono::seconds stale_window)
        : max_entries_{max_entries}, stale_window_{stale_window} {}

    struct Hit {
        std::shared_ptr<const StoredMessage> message;
        std::uint32_t age = 0; // whole seconds since it was stored
        bool stale = false;
    };

    // A fresh entry, or (with allow_stale) one whose TTL ran out less than
    // the stale window ago. Entries past the window are dropped.
    std::optional<Hit> find(const std::string& key, Clock::time_point now, bool allow_stale);
    void store(const std::string& key, std::shared_ptr<const StoredMessage> message,
               std::uint32_t ttl, Clock::time_point now);
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }

private:
    struct Entry {
        std::string key;
        std::shared_ptr<const StoredMessage> message;
        Clock::time_point stored_at;
        std::uint32_t ttl;
    };
    using List = std::list<Entry>;

    std::size_t max_entries_;
    std::chrono::seconds stale_window_;
    List entries_; // most recently used first
    std::unordered_map<std::string, List::iterator> index_;
};

} // namespace phx::dns::resolver

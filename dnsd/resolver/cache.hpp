// SPDX-License-Identifier: GPL-3.0-or-later
// The answer cache of the forwarding resolver: replies keyed by (name, type,
// class, DO), kept for their TTL, then for a stale window in which they may
// still be served when every upstream is down (RFC 8767). Its memory is
// bounded in bytes, counted on what each entry really holds (records,
// names, rdata, allocator and bookkeeping overhead, see memory.hpp), and by
// a number of entries; least recently used entries are evicted to stay
// within both. A reply larger than the per-message cap is not cached at all,
// so a handful of huge answers cannot flush everything else. Used from one
// thread; the gauges may be read from any.
#pragma once

#include "dnsd/metrics.hpp"
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

struct CacheLimits {
    std::size_t max_entries = 10000;
    std::size_t max_bytes = std::size_t{32} << 20;
    std::size_t max_message_bytes = std::size_t{256} << 10; // one entry's share, at most
    std::chrono::seconds stale_window{86400};
};

class Cache {
public:
    explicit Cache(const CacheLimits& limits) : limits_{limits} {}

    struct Hit {
        std::shared_ptr<const StoredMessage> message;
        std::uint32_t age = 0; // whole seconds since it was stored
        bool stale = false;
    };

    // A fresh entry, or (with allow_stale) one whose TTL ran out less than
    // the stale window ago. Entries past the window are dropped.
    std::optional<Hit> find(const std::string& key, Clock::time_point now, bool allow_stale);

    enum class Stored : std::uint8_t { yes, too_large, off };
    // Stores (or replaces) the entry for `key`, evicting the least recently
    // used ones to stay within the limits. A message over the per-message
    // cap is not stored, and any older entry for the key is dropped.
    Stored store(const std::string& key, std::shared_ptr<const StoredMessage> message,
                 std::uint32_t ttl, Clock::time_point now);
    // Drops everything (our zones changed: a cached chain may lead into them).
    void clear();

    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    [[nodiscard]] std::size_t bytes() const noexcept { return bytes_; }
    // The bytes an entry for `key` holding `message` is counted as.
    [[nodiscard]] static std::size_t entry_bytes(const std::string& key,
                                                 const StoredMessage& message) noexcept;
    // Published after every change, for the metrics endpoint on another thread.
    [[nodiscard]] const Gauge& bytes_gauge() const noexcept { return bytes_gauge_; }
    [[nodiscard]] const Gauge& entries_gauge() const noexcept { return entries_gauge_; }

private:
    struct Entry {
        std::string key;
        std::shared_ptr<const StoredMessage> message;
        Clock::time_point stored_at;
        std::uint32_t ttl;
        std::size_t bytes; // as counted when stored
    };
    using List = std::list<Entry>;

    void erase(List::iterator it);
    void publish() noexcept;

    CacheLimits limits_;
    List entries_; // most recently used first
    std::unordered_map<std::string, List::iterator> index_;
    std::size_t bytes_ = 0;
    Gauge bytes_gauge_;
    Gauge entries_gauge_;
};

} // namespace phx::dns::resolver

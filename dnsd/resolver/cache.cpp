// SPDX-License-Identifier: GPL-3.0-or-later
// LRU cache: a list in use order and a hash index into it.
#include "dnsd/resolver/cache.hpp"

namespace phx::dns::resolver {

std::string cache_key(const ParsedQuery& query) {
    std::string key{query.qname_lower.view()};
    key += static_cast<char>(to_u16(query.qtype) >> 8);
    key += static_cast<char>(to_u16(query.qtype) & 0xff);
    key += static_cast<char>(query.qclass >> 8);
    key += static_cast<char>(query.qclass & 0xff);
    key += query.edns.dnssec_ok ? '1' : '0';
    return key;
}

std::optional<Cache::Hit> Cache::find(const std::string& key, Clock::time_point now,
                                      bool allow_stale) {
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    const Entry& e = *it->second;
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e.stored_at);
    const auto ttl = std::chrono::seconds{e.ttl};
    if (age >= ttl + stale_window_) {
        entries_.erase(it->second);
        index_.erase(it);
        return std::nullopt;
    }
    const bool stale = age >= ttl;
    if (stale && !allow_stale) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);
    return Hit{e.message, static_cast<std::uint32_t>(age.count()), stale};
}

void Cache::store(const std::string& key, std::shared_ptr<const StoredMessage> message,
                  std::uint32_t ttl, Clock::time_point now) {
    if (max_entries_ == 0) return;
    if (const auto it = index_.find(key); it != index_.end()) {
        entries_.erase(it->second);
        index_.erase(it);
    }
    entries_.push_front(Entry{key, std::move(message), now, ttl});
    index_[key] = entries_.begin();
    while (entries_.size() > max_entries_) {
        index_.erase(entries_.back().key);
        entries_.pop_back();
    }
}

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// LRU cache: a list in use order and a hash index into it, with a running
// total of the bytes every entry is counted as.
#include "dnsd/resolver/cache.hpp"

#include "dnsd/resolver/memory.hpp"

namespace phx::dns::resolver {
namespace {

// What an entry costs besides its message and key: the list node, the
// index's node and its share of the bucket array.
constexpr std::size_t kListNode = 2 * sizeof(void*);
constexpr std::size_t kIndexNode = sizeof(void*) + sizeof(std::size_t);

} // namespace

std::string cache_key(const ParsedQuery& query) {
    std::string key{query.qname_lower.view()};
    key += static_cast<char>(to_u16(query.qtype) >> 8);
    key += static_cast<char>(to_u16(query.qtype) & 0xff);
    key += static_cast<char>(query.qclass >> 8);
    key += static_cast<char>(query.qclass & 0xff);
    key += query.edns.dnssec_ok ? '1' : '0';
    return key;
}

std::size_t Cache::entry_bytes(const std::string& key, const StoredMessage& message) noexcept {
    using IndexValue = std::pair<const std::string, List::iterator>;
    const std::size_t overhead = heap_block(sizeof(Entry) + kListNode) +
                                 heap_block(sizeof(IndexValue) + kIndexNode) + sizeof(void*);
    return overhead + 2 * heap_bytes(key) + message.memory_size(); // the key is held twice
}

std::optional<Cache::Hit> Cache::find(const std::string& key, Clock::time_point now,
                                      bool allow_stale) {
    const auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    const Entry& e = *it->second;
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - e.stored_at);
    const auto ttl = std::chrono::seconds{e.ttl};
    if (age >= ttl + limits_.stale_window) {
        erase(it->second);
        publish();
        return std::nullopt;
    }
    const bool stale = age >= ttl;
    if (stale && !allow_stale) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);
    return Hit{e.message, static_cast<std::uint32_t>(age.count()), stale};
}

Cache::Stored Cache::store(const std::string& key, std::shared_ptr<const StoredMessage> message,
                           std::uint32_t ttl, Clock::time_point now) {
    if (limits_.max_entries == 0 || limits_.max_bytes == 0) return Stored::off;
    if (const auto it = index_.find(key); it != index_.end()) erase(it->second);
    const std::size_t bytes = entry_bytes(key, *message);
    if (message->memory_size() > limits_.max_message_bytes || bytes > limits_.max_bytes) {
        publish();
        return Stored::too_large;
    }
    entries_.push_front(Entry{key, std::move(message), now, ttl, bytes});
    index_[key] = entries_.begin();
    bytes_ += bytes;
    while (entries_.size() > limits_.max_entries || bytes_ > limits_.max_bytes)
        erase(std::prev(entries_.end()));
    publish();
    return Stored::yes;
}

void Cache::clear() {
    index_.clear();
    entries_.clear();
    bytes_ = 0;
    publish();
}

void Cache::erase(List::iterator it) {
    bytes_ -= it->bytes;
    index_.erase(it->key);
    entries_.erase(it);
}

void Cache::publish() noexcept {
    bytes_gauge_.set(bytes_);
    entries_gauge_.set(entries_.size());
}

} // namespace phx::dns::resolver

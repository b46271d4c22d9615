// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/reply_cache.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <cstring>
#include <random>

namespace phx::dns {
namespace {

std::uint64_t load64(const std::uint8_t* p, std::size_t n) noexcept {
    std::uint64_t v = 0;
    std::memcpy(&v, p, n);
    return v;
}

// A multiply-xorshift hash, 8 bytes a step: the key is ~40-80 bytes and
// this is most of what a hit costs. Seeded per process; a collision only
// costs a miss (the key is compared), never a wrong reply.
std::uint64_t hash_key(const std::uint8_t* p, std::size_t n, std::uint64_t seed) noexcept {
    constexpr std::uint64_t k = 0x9e3779b97f4a7c15ull;
    std::uint64_t h = seed ^ (n * k);
    for (; n >= 8; p += 8, n -= 8) {
        h = (h ^ load64(p, 8)) * k;
        h ^= h >> 29;
    }
    if (n > 0) h = (h ^ load64(p, n)) * k;
    h ^= h >> 32;
    return h;
}

} // namespace

ReplyCache::ReplyCache()
    : slots_(std::make_unique<Slot[]>(kSlots)), seed_(std::random_device{}() | 1ull << 40) {}

ReplyCache::Probe ReplyCache::probe(std::span<const std::uint8_t> query,
                                    bool recursion_available) const noexcept {
    Probe p;
    // The key: the RA byte, then the query from its flags on.
    if (query.size() < kQuestionAt + 5 || query.size() - 2 + 1 > kMaxKey) return p;
    if (query[4] != 0 || query[5] != 1) return p; // QDCOUNT 1
    // The question's name, uncompressed (a pointer there is not worth a
    // cache); its label lengths are below 'A', so folding it whole is safe.
    const std::size_t name = wire::name_length(query.subspan(kQuestionAt));
    if (name == 0 || name > kMaxNameLength) return p;
    p.key[0] = recursion_available ? 1 : 0;
    std::memcpy(p.key.data() + 1, query.data() + 2, query.size() - 2);
    for (std::size_t i = kQuestionAt; i < kQuestionAt + name; ++i)
        p.key[i - 1] = wire::lower(query[i]);
    p.name_length = static_cast<std::uint16_t>(name);
    p.key_length = static_cast<std::uint16_t>(query.size() - 1);
    p.hash = hash_key(p.key.data(), p.key_length, seed_);
    p.cacheable = true;
    return p;
}

bool ReplyCache::find(const Probe& probe, std::span<const std::uint8_t> query,
                      std::span<std::uint8_t> out, AnswerResult& result) noexcept {
    if (!probe.cacheable) return false;
    const Slot& slot = slots_[probe.hash & (kSlots - 1)];
    if (slot.key_length != probe.key_length || slot.hash != probe.hash ||
        std::memcmp(slot.key.data(), probe.key.data(), probe.key_length) != 0 ||
        out.size() < slot.reply_length)
        return false;
    std::memcpy(out.data(), slot.reply.data(), slot.reply_length);
    std::memcpy(out.data(), query.data(), 2); // the ID
    std::memcpy(out.data() + kQuestionAt, query.data() + kQuestionAt, probe.name_length);
    result = slot.result;
    ++hits_;
    return true;
}

void ReplyCache::store(const Probe& probe, std::span<const std::uint8_t> reply,
                       const AnswerResult& result) noexcept {
    if (!probe.cacheable || result.disposition != Disposition::reply ||
        result.cookie != CookieVerdict::none || result.cookie_issued ||
        reply.size() != result.size || reply.size() > kMaxReply ||
        reply.size() < kQuestionAt + probe.name_length + 4)
        return;
    // The reply must hold the question where find() patches it: one
    // question, its name as the key has it (up to case).
    if (reply[4] != 0 || reply[5] != 1) return;
    for (std::size_t i = 0; i < probe.name_length; ++i)
        if (wire::lower(reply[kQuestionAt + i]) != probe.key[kQuestionAt - 1 + i]) return;
    Slot& slot = slots_[probe.hash & (kSlots - 1)];
    slot.hash = probe.hash;
    slot.key_length = probe.key_length;
    std::copy_n(probe.key.begin(), probe.key_length, slot.key.begin());
    slot.reply_length = static_cast<std::uint16_t>(reply.size());
    std::copy(reply.begin(), reply.end(), slot.reply.begin());
    slot.result = result;
}

AnswerResult ReplyCache::answer(std::span<const std::uint8_t> query, const ZoneSet& zones,
                                const AnswerOptions& options,
                                std::span<std::uint8_t> out) noexcept {
    const Probe p = probe(query, options.recursion_available);
    AnswerResult result;
    if (find(p, query, out, result)) return result;
    result = dns::answer(query, zones, options, out);
    store(p, out.first(result.size), result);
    return result;
}

void ReplyCache::clear() noexcept {
    for (std::size_t i = 0; i < kSlots; ++i) slots_[i].key_length = 0;
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// A worker's cache of UDP replies, keyed by the query itself: its bytes
// without the ID, the question's name in lower case, and whether the
// client gets RA. answer() is a pure function of the query's bytes and the
// zone snapshot (answer.hpp), and the question it writes, uncompressed, is
// the only place the query's case reaches the reply (every later name that
// matches it points into it); so a reply made for one query answers any
// query with the same key once its ID and question name are copied in.
// This is PowerDNS's packet cache, and what the issue asked for: a
// repeated query skips the parse, the lookup and the writing (~0.4 µs of
// ~0.5), keeping only a hash and two copies.
//
// Not cached: replies carrying a cookie (they depend on the client and the
// time), transfers and signed queries, names no zone serves (they may be
// forwarded), anything larger than the slots. One worker's thread uses it;
// clear() it whenever the zones change. Fixed slots, each key in one
// place: a flood of distinct names only costs misses, never memory.
#pragma once

#include "dnsd/answer.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>

namespace phx::dns {

class ReplyCache {
public:
    static constexpr std::size_t kSlots = 1024;   // a power of two
    static constexpr std::size_t kMaxKey = 160;   // query bytes after the ID, plus the RA byte
    static constexpr std::size_t kMaxReply = 320; // fits every reply of an ordinary A/AAAA/SOA
    static constexpr std::size_t kQuestionAt = kHeaderSize; // the question follows the header

    ReplyCache();

    // answer() through the cache: the UDP transport's one call per query.
    [[nodiscard]] AnswerResult answer(std::span<const std::uint8_t> query, const ZoneSet& zones,
                                      const AnswerOptions& options,
                                      std::span<std::uint8_t> out) noexcept;

    // The steps of answer(), for tests. One query's key, built once for the
    // lookup and, on a miss, the store.
    struct Probe {
        bool cacheable = false;
        std::uint16_t key_length = 0;
        std::uint16_t name_length = 0; // the question's name, in wire form
        std::uint64_t hash = 0;
        std::array<std::uint8_t, kMaxKey> key;
    };
    [[nodiscard]] Probe probe(std::span<const std::uint8_t> query,
                              bool recursion_available) const noexcept;

    // On a hit: the reply, with the query's ID and question name, written
    // to `out` and its result returned in `result`.
    [[nodiscard]] bool find(const Probe& probe, std::span<const std::uint8_t> query,
                            std::span<std::uint8_t> out, AnswerResult& result) noexcept;
    // Keeps the reply answer() wrote for the probed query, if it may be kept.
    void store(const Probe& probe, std::span<const std::uint8_t> reply,
               const AnswerResult& result) noexcept;
    void clear() noexcept;

    [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }

private:
    struct Slot {
        std::uint64_t hash = 0;
        std::uint16_t key_length = 0; // 0: empty
        std::uint16_t reply_length = 0;
        AnswerResult result;
        std::array<std::uint8_t, kMaxKey> key;
        std::array<std::uint8_t, kMaxReply> reply;
    };

    std::unique_ptr<Slot[]> slots_;
    std::uint64_t seed_;
    std::uint64_t hits_ = 0;
};

} // namespace phx::dns

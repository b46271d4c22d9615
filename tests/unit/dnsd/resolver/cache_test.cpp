// SPDX-License-Identifier: GPL-3.0-or-later
// The cache's byte budget: entries are counted on what they hold, the total
// never exceeds the budget, the least recently used go first, and a message
// over the per-message cap is answered but never cached.
#include "dnsd/resolver/cache.hpp"
#include "dnsd/resolver/memory.hpp"
#include "unit/dnsd/resolver/records.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::dns;
using namespace phx::dns::resolver;
using namespace phx::test;

namespace {

// `count` TXT records at a 26-byte owner (longer than a string keeps inline).
std::shared_ptr<const StoredMessage> txt_message(std::size_t count) {
    StoredMessage m;
    for (std::size_t i = 0; i < count; ++i)
        m.answer.push_back({wire_name("a-long-owner.example.com"), RrType::txt, 1, 300, "\x01x"});
    m.shrink_to_fit();
    return std::make_shared<const StoredMessage>(std::move(m));
}

} // namespace

TEST_CASE("memory_size counts each record's struct, owner and rdata, not wire bytes") {
    const auto one = txt_message(1)->memory_size();
    const auto thousand = txt_message(1000)->memory_size();
    // Each record: its StoredRr in the vector and a heap block for its owner.
    const std::size_t per_record =
        sizeof(StoredRr) + heap_block(wire_name("a-long-owner.example.com").size() + 1);
    CHECK(thousand - one >= 999 * per_record);
    CHECK(thousand - one <= 999 * per_record + 64);
    CHECK(heap_block(1) == 32);
    CHECK(heap_block(25) == 48); // 25 + 8 bytes of header, rounded up to 16
}

TEST_CASE("cache: bytes are the sum of its entries, and eviction keeps them within budget") {
    const auto message = txt_message(100);
    const std::size_t entry = Cache::entry_bytes("key-0", *message);
    Cache cache{{100, 3 * entry + entry / 2, entry, std::chrono::seconds{10}}};
    const auto t0 = Clock::now();
    for (int i = 0; i < 3; ++i) {
        CHECK(cache.store("key-" + std::to_string(i), message, 60, t0) == Cache::Stored::yes);
        CHECK(cache.bytes() == (i + 1) * entry);
    }
    CHECK(cache.find("key-0", t0, false)); // now the most recently used
    CHECK(cache.store("key-3", message, 60, t0) == Cache::Stored::yes);
    CHECK(cache.size() == 3);
    CHECK(cache.bytes() == 3 * entry);
    CHECK(cache.bytes_gauge().get() == 3 * entry);
    CHECK(cache.entries_gauge().get() == 3);
    CHECK(cache.find("key-0", t0, false));
    CHECK_FALSE(cache.find("key-1", t0, false)); // the least recently used went
    cache.store("key-3", message, 60, t0);       // replacing is not adding
    CHECK(cache.bytes() == 3 * entry);
}

TEST_CASE("cache: a message over the per-message cap is not cached and drops the older entry") {
    const auto small = txt_message(10);
    const auto big = txt_message(2000);
    Cache cache{{100, std::size_t{16} << 20, big->memory_size() - 1, std::chrono::seconds{10}}};
    const auto t0 = Clock::now();
    CHECK(cache.store("k", small, 60, t0) == Cache::Stored::yes);
    CHECK(cache.store("k", big, 60, t0) == Cache::Stored::too_large);
    CHECK(cache.size() == 0);
    CHECK(cache.bytes() == 0);
    Cache tiny{{100, 1000, std::size_t{1} << 20, std::chrono::seconds{10}}};
    CHECK(tiny.store("k", small, 60, t0) == Cache::Stored::too_large); // over the whole budget
    Cache off{{100, 0, std::size_t{1} << 20, std::chrono::seconds{10}}};
    CHECK(off.store("k", small, 60, t0) == Cache::Stored::off);
}

TEST_CASE("cache: expired and cleared entries give their bytes back") {
    const auto message = txt_message(10);
    Cache cache{{100, std::size_t{1} << 20, std::size_t{1} << 20, std::chrono::seconds{10}}};
    const auto t0 = Clock::now();
    cache.store("a", message, 5, t0);
    cache.store("b", message, 500, t0);
    CHECK(cache.bytes() == 2 * Cache::entry_bytes("a", *message));
    CHECK_FALSE(cache.find("a", t0 + std::chrono::seconds{20}, true)); // past the stale window
    CHECK(cache.bytes() == Cache::entry_bytes("b", *message));
    cache.clear();
    CHECK(cache.bytes() == 0);
    CHECK(cache.size() == 0);
    CHECK(cache.bytes_gauge().get() == 0);
}

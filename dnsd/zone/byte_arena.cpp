// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/zone/byte_arena.hpp"

#include "common/huge_pages.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace phx::dns {

void ByteArena::FreeBlock::operator()(char* block) const noexcept { std::free(block); }

char* ByteArena::new_block(std::size_t size) {
    const bool huge = size == kHugeBlockSize;
    void* block = huge ? std::aligned_alloc(kHugeBlockSize, size) : std::malloc(size);
    if (!block) throw std::bad_alloc{};
    if (huge) prefault_huge_pages(block, size);
    blocks_.emplace_back(static_cast<char*>(block));
    allocated_ += size;
    return blocks_.back().get();
}

std::string_view ByteArena::store(std::string_view bytes) {
    if (bytes.empty()) return {};
    used_ += bytes.size();
    if (bytes.size() > left_) {
        // A string larger than a block gets a block of its own; the current
        // block keeps its free tail for the small strings that follow.
        const std::size_t block = allocated_ >= kHugeBlockSize ? kHugeBlockSize : kBlockSize;
        if (bytes.size() > block) {
            char* own = new_block(bytes.size());
            std::memcpy(own, bytes.data(), bytes.size());
            return {own, bytes.size()};
        }
        next_ = new_block(block);
        left_ = block;
    }
    char* at = next_;
    std::memcpy(at, bytes.data(), bytes.size());
    next_ += bytes.size();
    left_ -= bytes.size();
    return {at, bytes.size()};
}

} // namespace phx::dns

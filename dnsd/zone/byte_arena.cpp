// SPDX-License-Identifier: GPL-3.0-or-later
#include "dnsd/zone/byte_arena.hpp"

#include <algorithm>
#include <cstring>

namespace phx::dns {

std::string_view ByteArena::store(std::string_view bytes) {
    if (bytes.empty()) return {};
    if (bytes.size() > left_) {
        // A string larger than a block gets a block of its own; the current
        // block keeps its free tail for the small strings that follow.
        const std::size_t size = std::max(bytes.size(), kBlockSize);
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
        allocated_ += size;
        if (size > kBlockSize) {
            std::memcpy(blocks_.back().get(), bytes.data(), bytes.size());
            return {blocks_.back().get(), bytes.size()};
        }
        next_ = blocks_.back().get();
        left_ = size;
    }
    char* at = next_;
    std::memcpy(at, bytes.data(), bytes.size());
    next_ += bytes.size();
    left_ -= bytes.size();
    return {at, bytes.size()};
}

} // namespace phx::dns

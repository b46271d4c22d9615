// SPDX-License-Identifier: GPL-3.0-or-later
// See text_arena.hpp.
#include "common/text_arena.hpp"

#include <cstring>
#include <iterator>

namespace phx {

std::string_view TextArena::keep(std::string_view text) {
    if (text.empty()) return {};
    if (text.size() > room_) {
        // A text larger than a quarter block gets a block of its own, so the
        // room left in the current one is not wasted.
        if (text.size() > kBlockBytes / 4) {
            blocks_.push_back(std::make_unique_for_overwrite<char[]>(text.size()));
            std::memcpy(blocks_.back().get(), text.data(), text.size());
            return {blocks_.back().get(), text.size()};
        }
        blocks_.push_back(std::make_unique_for_overwrite<char[]>(kBlockBytes));
        next_ = blocks_.back().get();
        room_ = kBlockBytes;
    }
    std::memcpy(next_, text.data(), text.size());
    const std::string_view kept{next_, text.size()};
    next_ += text.size();
    room_ -= text.size();
    return kept;
}

void TextArena::adopt(TextArena& other) {
    blocks_.insert(blocks_.end(), std::make_move_iterator(other.blocks_.begin()),
                   std::make_move_iterator(other.blocks_.end()));
    other.blocks_.clear();
    other.next_ = nullptr;
    other.room_ = 0;
}

} // namespace phx

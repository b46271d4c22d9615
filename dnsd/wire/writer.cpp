// SPDX-License-Identifier: GPL-3.0-or-later
// Message writer. Compression keeps a list of the offsets of the labels
// already written (< 0x4000, the pointer range) and compares suffixes by
// reading the output itself, so there is no second copy of the names.
#include "dnsd/wire/writer.hpp"

#include "dnsd/wire/name.hpp"

#include <cstring>

namespace phx::dns::wire {

bool WireWriter::room(std::size_t n) noexcept {
    if (ok_ && n <= limit_ - pos_) return true;
    ok_ = false;
    return false;
}

void WireWriter::u8(std::uint8_t v) noexcept {
    if (room(1)) out_[pos_++] = v;
}

void WireWriter::u16(std::uint16_t v) noexcept {
    if (!room(2)) return;
    out_[pos_] = static_cast<std::uint8_t>(v >> 8);
    out_[pos_ + 1] = static_cast<std::uint8_t>(v);
    pos_ += 2;
}

void WireWriter::u32(std::uint32_t v) noexcept {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
}

void WireWriter::bytes(std::span<const std::uint8_t> b) noexcept {
    if (b.empty() || !room(b.size())) return;
    std::memcpy(out_.data() + pos_, b.data(), b.size());
    pos_ += b.size();
}

void WireWriter::pointer(std::uint16_t offset) noexcept {
    u16(static_cast<std::uint16_t>(0xc000u | offset));
}

void WireWriter::put_u16_at(std::size_t at, std::uint16_t v) noexcept {
    if (at + 2 > pos_) return;
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v);
}

void WireWriter::rewind(std::size_t mark) noexcept {
    if (mark > pos_) return;
    pos_ = mark;
    ok_ = true;
    while (label_count_ > 0 && labels_[label_count_ - 1] >= mark) --label_count_;
}

void WireWriter::remember(std::uint16_t offset) noexcept {
    if (label_count_ < kMaxRemembered) labels_[label_count_++] = offset;
}

bool WireWriter::suffix_equals(std::size_t at,
                               std::span<const std::uint8_t> suffix) const noexcept {
    std::size_t i = 0;
    // Pointers in our own output always point backwards; the hop limit is a
    // second guard, not a requirement.
    for (int hops = 0; hops < 128; ++hops) {
        std::uint8_t len = out_[at];
        if ((len & 0xc0) == 0xc0) {
            at = std::size_t{len & 0x3fu} << 8 | out_[at + 1];
            continue;
        }
        if (i >= suffix.size() || suffix[i] != len) return false;
        if (len == 0) return true;
        for (std::size_t j = 1; j <= len; ++j)
            if (lower(out_[at + j]) != lower(suffix[i + j])) return false;
        at += 1 + len;
        i += 1 + len;
    }
    return false;
}

std::uint16_t WireWriter::find_suffix(std::span<const std::uint8_t> suffix) const noexcept {
    for (std::size_t k = 0; k < label_count_; ++k)
        if (suffix_equals(labels_[k], suffix)) return labels_[k];
    return 0;
}

void WireWriter::write_labels(std::span<const std::uint8_t> wire_name, bool compress) noexcept {
    // Offsets become pointer targets only once the whole name is written:
    // a half-written name must never match a later suffix.
    std::array<std::uint16_t, kMaxNameLength / 2> written;
    std::size_t count = 0;
    std::size_t i = 0;
    bool ended_with_pointer = false;
    while (i < wire_name.size() && wire_name[i] != 0) {
        if (compress) {
            if (const auto target = find_suffix(wire_name.subspan(i)); target != 0) {
                pointer(target);
                ended_with_pointer = true;
                break;
            }
        }
        const std::size_t len = wire_name[i];
        if (pos_ < 0x4000) written[count++] = static_cast<std::uint16_t>(pos_);
        bytes(wire_name.subspan(i, 1 + len));
        i += 1 + len;
    }
    if (!ended_with_pointer) u8(0);
    if (!ok_) return;
    for (std::size_t k = 0; k < count; ++k) remember(written[k]);
}

void WireWriter::name(std::span<const std::uint8_t> wire_name) noexcept {
    write_labels(wire_name, true);
}

void WireWriter::name_uncompressed(std::span<const std::uint8_t> wire_name) noexcept {
    write_labels(wire_name, false);
}

} // namespace phx::dns::wire

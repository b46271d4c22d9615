// SPDX-License-Identifier: GPL-3.0-or-later
// A bounds-checked cursor over untrusted wire bytes. Errors are sticky: after
// the first short read every read returns 0 and ok() stays false, so a parser
// reads a whole structure and checks once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace phx::dns::wire {

class WireReader {
public:
    explicit WireReader(std::span<const std::uint8_t> bytes, std::size_t start = 0) noexcept
        : bytes_{bytes}, pos_{start <= bytes.size() ? start : bytes.size()}, ok_{start <=
                                                                                 bytes.size()} {}

    std::uint8_t u8() noexcept {
        if (!take(1)) return 0;
        return bytes_[pos_++];
    }
    std::uint16_t u16() noexcept {
        if (!take(2)) return 0;
        const auto v = static_cast<std::uint16_t>(bytes_[pos_] << 8 | bytes_[pos_ + 1]);
        pos_ += 2;
        return v;
    }
    std::uint32_t u32() noexcept {
        if (!take(4)) return 0;
        const std::uint32_t v =
            std::uint32_t{bytes_[pos_]} << 24 | std::uint32_t{bytes_[pos_ + 1]} << 16 |
            std::uint32_t{bytes_[pos_ + 2]} << 8 | std::uint32_t{bytes_[pos_ + 3]};
        pos_ += 4;
        return v;
    }
    // The next n bytes; an empty span (and a failed reader) if fewer remain.
    std::span<const std::uint8_t> bytes(std::size_t n) noexcept {
        if (!take(n)) return {};
        auto s = bytes_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    void skip(std::size_t n) noexcept {
        if (take(n)) pos_ += n;
    }
    void fail() noexcept { ok_ = false; }

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return ok_ ? bytes_.size() - pos_ : 0; }
    [[nodiscard]] std::span<const std::uint8_t> message() const noexcept { return bytes_; }

private:
    // Compare sizes, never form an out-of-range pointer.
    bool take(std::size_t n) noexcept {
        if (ok_ && n <= bytes_.size() - pos_) return true;
        ok_ = false;
        return false;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_;
    bool ok_;
};

} // namespace phx::dns::wire

// SPDX-License-Identifier: GPL-3.0-or-later
// A read cursor over untrusted bytes (netlink messages, packet headers) with
// a sticky error: once a read would go past the end it fails, returns zeros
// and stays failed, so a parser reads its fields in sequence and checks once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace phx::fw::watch {

class ByteCursor {
public:
    explicit ByteCursor(std::span<const std::byte> bytes) : bytes_{bytes} {}

    std::uint8_t u8() {
        if (!take(1)) return 0;
        return static_cast<std::uint8_t>(byte(pos_++));
    }
    // Network byte order (packet headers, nfnetlink's __be fields).
    std::uint16_t be16() { return static_cast<std::uint16_t>(big_endian(2)); }
    std::uint32_t be32() { return static_cast<std::uint32_t>(big_endian(4)); }
    std::uint64_t be64() { return big_endian(8); }
    // Host byte order (netlink headers): memcpy, never a cast of the bytes.
    template <typename T>
    T host() {
        T value{};
        if (!take(sizeof value)) return value;
        std::memcpy(&value, bytes_.data() + pos_, sizeof value);
        pos_ += sizeof value;
        return value;
    }
    // The next n bytes; empty (and failed) when fewer are left.
    std::span<const std::byte> bytes(std::size_t n) {
        if (!take(n)) return {};
        const auto out = bytes_.subspan(pos_, n);
        pos_ += n;
        return out;
    }
    void skip(std::size_t n) {
        if (take(n)) pos_ += n;
    }

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t left() const noexcept { return ok_ ? bytes_.size() - pos_ : 0; }
    [[nodiscard]] std::size_t position() const noexcept { return pos_; }

private:
    // Compares sizes; never forms a pointer past the end.
    bool take(std::size_t n) noexcept {
        if (ok_ && n <= bytes_.size() - pos_) return true;
        return ok_ = false;
    }
    std::uint64_t big_endian(std::size_t n) {
        if (!take(n)) return 0;
        std::uint64_t value = 0;
        for (std::size_t i = 0; i < n; ++i) value = value << 8 | byte(pos_ + i);
        pos_ += n;
        return value;
    }
    [[nodiscard]] unsigned byte(std::size_t i) const {
        return std::to_integer<unsigned>(bytes_[i]);
    }

    std::span<const std::byte> bytes_;
    std::size_t pos_ = 0;
    bool ok_ = true;
};

} // namespace phx::fw::watch

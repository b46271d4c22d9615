// SPDX-License-Identifier: GPL-3.0-or-later
// Writes a DNS message into a caller-provided buffer with name compression.
// Like the reader, errors are sticky: a write past the limit fails the
// writer, and the caller rewinds to a mark to drop a whole RRset.
#pragma once

#include "dnsd/wire/types.hpp"

#include <array>
#include <cstdint>
#include <span>

namespace phx::dns::wire {

class WireWriter {
public:
    explicit WireWriter(std::span<std::uint8_t> out) noexcept : out_{out}, limit_{out.size()} {}

    void u8(std::uint8_t v) noexcept;
    void u16(std::uint16_t v) noexcept;
    void u32(std::uint32_t v) noexcept;
    void bytes(std::span<const std::uint8_t> b) noexcept;
    // An uncompressed wire name, written with compression against every name
    // written so far (RFC 1035 4.1.4); matching ignores ASCII case.
    void name(std::span<const std::uint8_t> wire_name) noexcept;
    // A name without compression that later names may still point into
    // (the question, so that answers can point at the query's case).
    void name_uncompressed(std::span<const std::uint8_t> wire_name) noexcept;
    void pointer(std::uint16_t offset) noexcept;

    void put_u16_at(std::size_t at, std::uint16_t v) noexcept;

    // Writes beyond `limit` fail; used to keep room for the OPT record.
    void set_limit(std::size_t limit) noexcept {
        limit_ = limit < out_.size() ? limit : out_.size();
    }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }

    // Drops everything written after `mark` and clears a failure.
    void rewind(std::size_t mark) noexcept;

    [[nodiscard]] bool ok() const noexcept { return ok_; }
    [[nodiscard]] std::size_t pos() const noexcept { return pos_; }
    [[nodiscard]] std::span<const std::uint8_t> written() const noexcept {
        return out_.first(pos_);
    }

private:
    bool room(std::size_t n) noexcept;
    void remember(std::uint16_t offset) noexcept;
    // The offset of an earlier name equal to the given suffix, or 0 for none
    // (offset 0 is the message header, never a name).
    std::uint16_t find_suffix(std::span<const std::uint8_t> suffix) const noexcept;
    bool suffix_equals(std::size_t at, std::span<const std::uint8_t> suffix) const noexcept;
    void write_labels(std::span<const std::uint8_t> wire_name, bool compress) noexcept;

    static constexpr std::size_t kMaxRemembered = 96;

    std::span<std::uint8_t> out_;
    std::size_t limit_;
    std::size_t pos_ = 0;
    bool ok_ = true;
    std::array<std::uint16_t, kMaxRemembered>
        labels_; // offsets of labels written so far: [0, label_count_)
    std::size_t label_count_ = 0;
};

} // namespace phx::dns::wire

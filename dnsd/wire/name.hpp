// SPDX-License-Identifier: GPL-3.0-or-later
// Domain names in uncompressed wire form (RFC 1035 3.1), held in a fixed
// 255-byte buffer so that reading one from a packet never allocates.
#pragma once

#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/types.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace phx::dns::wire {

class Name {
public:
    Name() noexcept { bytes_[0] = 0; } // the root

    // Presentation format ("www.example.", "\046", "\."); always absolute.
    [[nodiscard]] static std::optional<Name> from_text(std::string_view text);
    // A copy of an uncompressed wire name; nullopt if it is not one.
    [[nodiscard]] static std::optional<Name> from_wire(std::span<const std::uint8_t> wire);

    [[nodiscard]] std::span<const std::uint8_t> wire() const noexcept {
        return {bytes_.data(), size_};
    }
    [[nodiscard]] std::string_view view() const noexcept {
        return {reinterpret_cast<const char*>(bytes_.data()), size_};
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool is_root() const noexcept { return size_ == 1; }
    [[nodiscard]] unsigned label_count() const noexcept; // the root label not counted
    [[nodiscard]] std::string to_text() const;
    void to_lower() noexcept;

    // Appends a label before the terminating root; false if the name would
    // exceed 255 bytes or the label 63.
    bool append_label(std::span<const std::uint8_t> label) noexcept;

    friend bool operator==(const Name& a, const Name& b) noexcept { return a.view() == b.view(); }

private:
    std::array<std::uint8_t, kMaxNameLength> bytes_; // only [0, size_) is meaningful
    std::size_t size_ = 1;
};

// Reads a possibly compressed name at the reader's position (RFC 1035 4.1.4).
// Every pointer must point strictly before the label that holds it, so
// pointer loops are impossible; labels of type 01/10 and names over 255 bytes
// are errors. On error the reader fails and false is returned.
bool read_name(WireReader& reader, Name& out) noexcept;

// Presentation form of an uncompressed wire name, with RFC 1035 escapes.
[[nodiscard]] std::string name_to_text(std::span<const std::uint8_t> wire);

// A std::string holding wire bytes seen as bytes.
inline std::span<const std::uint8_t> bytes_of(std::string_view s) noexcept {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// The length of the uncompressed wire name at the start of `wire`, root
// byte included; 0 if it does not end inside the span.
[[nodiscard]] std::size_t name_length(std::span<const std::uint8_t> wire) noexcept;

// ASCII lower case, the only case folding DNS knows (RFC 4343).
constexpr std::uint8_t lower(std::uint8_t c) noexcept {
    return static_cast<std::uint8_t>(c | (static_cast<unsigned>(c - 'A') < 26u ? 0x20u : 0u));
}

// Whether `name` equals `parent` or lies below it; both lower-case wire form.
[[nodiscard]] bool is_subdomain(std::string_view name, std::string_view parent) noexcept;

// The name with its first label removed; the root stays the root.
[[nodiscard]] std::string_view parent_of(std::string_view name) noexcept;

} // namespace phx::dns::wire

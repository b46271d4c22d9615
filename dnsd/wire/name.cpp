// SPDX-License-Identifier: GPL-3.0-or-later
// Name parsing and printing. read_name() is on the per-query path: it only
// compares sizes and indexes within the message span.
#include "dnsd/wire/name.hpp"

#include <cstring>
#include <fmt/format.h>

namespace phx::dns::wire {

unsigned Name::label_count() const noexcept {
    unsigned n = 0;
    for (std::size_t i = 0; bytes_[i] != 0; i += bytes_[i] + 1u) ++n;
    return n;
}

void Name::to_lower() noexcept {
    // Length bytes are at most 63, below 'A', so folding every byte but the
    // final root byte leaves them alone: one branch-free pass, no label walk.
    for (std::size_t i = 0; i + 1 < size_; ++i) bytes_[i] = lower(bytes_[i]);
}

bool Name::append_label(std::span<const std::uint8_t> label) noexcept {
    if (label.empty() || label.size() > kMaxLabelLength) return false;
    if (size_ + 1 + label.size() > kMaxNameLength) return false;
    const std::size_t at = size_ - 1; // overwrite the root byte
    bytes_[at] = static_cast<std::uint8_t>(label.size());
    std::memcpy(bytes_.data() + at + 1, label.data(), label.size());
    size_ += 1 + label.size();
    bytes_[size_ - 1] = 0;
    return true;
}

std::optional<Name> Name::from_wire(std::span<const std::uint8_t> wire) {
    Name n;
    std::size_t i = 0;
    while (i < wire.size() && wire[i] != 0) {
        const std::size_t len = wire[i];
        if (len > kMaxLabelLength || len >= wire.size() - i) return std::nullopt;
        if (!n.append_label(wire.subspan(i + 1, len))) return std::nullopt;
        i += 1 + len;
    }
    if (i + 1 != wire.size()) return std::nullopt; // missing root, or bytes after it
    return n;
}

namespace {

// Decodes one escape after a backslash: "\X" or "\DDD". Returns the byte and
// advances i past it, or nullopt on a malformed escape.
std::optional<std::uint8_t> unescape(std::string_view text, std::size_t& i) {
    if (i >= text.size()) return std::nullopt;
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!digit(text[i])) return static_cast<std::uint8_t>(text[i++]);
    if (text.size() - i < 3 || !digit(text[i + 1]) || !digit(text[i + 2])) return std::nullopt;
    const int value = (text[i] - '0') * 100 + (text[i + 1] - '0') * 10 + (text[i + 2] - '0');
    if (value > 255) return std::nullopt;
    i += 3;
    return static_cast<std::uint8_t>(value);
}

} // namespace

std::optional<Name> Name::from_text(std::string_view text) {
    Name n;
    if (text == "." || text.empty()) return n;
    std::array<std::uint8_t, kMaxLabelLength + 1> label{};
    std::size_t label_size = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        const char c = text[i++];
        if (c == '.') {
            if (!n.append_label({label.data(), label_size})) return std::nullopt; // empty or long
            label_size = 0;
            continue;
        }
        std::uint8_t byte = static_cast<std::uint8_t>(c);
        if (c == '\\') {
            auto decoded = unescape(text, i);
            if (!decoded) return std::nullopt;
            byte = *decoded;
        }
        if (label_size == kMaxLabelLength) return std::nullopt;
        label[label_size++] = byte;
    }
    if (label_size > 0 && !n.append_label({label.data(), label_size})) return std::nullopt;
    return n;
}

bool read_name(WireReader& reader, Name& out) noexcept {
    out = Name{};
    if (!reader.ok()) return false;
    const auto message = reader.message();
    std::size_t pos = reader.pos();
    std::size_t resume = 0; // where the reader continues after the first pointer
    bool jumped = false;
    for (;;) {
        if (pos >= message.size()) break;
        const std::uint8_t len = message[pos];
        if (len == 0) {
            if (!jumped) resume = pos + 1;
            reader.skip(resume - reader.pos());
            return reader.ok();
        }
        if ((len & 0xc0) == 0xc0) {
            if (message.size() - pos < 2) break;
            const std::size_t target = (std::size_t{len & 0x3fu} << 8) | message[pos + 1];
            if (target >= pos) break; // forward or self pointers could loop
            if (!jumped) resume = pos + 2;
            jumped = true;
            pos = target;
            continue;
        }
        if ((len & 0xc0) != 0) break; // 01 and 10 label types are not defined for us
        if (len >= message.size() - pos) break;
        if (!out.append_label(message.subspan(pos + 1, len))) break;
        pos += 1 + len;
    }
    reader.fail();
    return false;
}

std::string name_to_text(std::span<const std::uint8_t> wire) {
    if (wire.empty() || wire[0] == 0) return ".";
    std::string out;
    for (std::size_t i = 0; i < wire.size() && wire[i] != 0; i += wire[i] + 1u) {
        for (std::size_t j = i + 1; j <= i + wire[i] && j < wire.size(); ++j) {
            const std::uint8_t c = wire[j];
            if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '$' ||
                c == '@') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c <= 0x20 || c >= 0x7f) {
                out += fmt::format("\\{:03}", c);
            } else {
                out += static_cast<char>(c);
            }
        }
        out += '.';
    }
    return out;
}

std::string Name::to_text() const {
    return name_to_text(wire());
}

std::size_t name_length(std::span<const std::uint8_t> wire) noexcept {
    std::size_t i = 0;
    while (i < wire.size()) {
        if (wire[i] == 0) return i + 1;
        if (wire[i] > kMaxLabelLength) return 0;
        i += wire[i] + 1u;
    }
    return 0;
}

bool is_subdomain(std::string_view name, std::string_view parent) noexcept {
    if (parent.size() > name.size()) return false;
    // Walk name's label boundaries until the remaining suffix is as long as parent.
    std::size_t i = 0;
    while (i < name.size() && name.size() - i > parent.size())
        i += static_cast<std::uint8_t>(name[i]) + 1u;
    return i <= name.size() && name.size() - i == parent.size() && name.substr(i) == parent;
}

std::string_view parent_of(std::string_view name) noexcept {
    if (name.size() <= 1) return name;
    return name.substr(static_cast<std::uint8_t>(name[0]) + 1u);
}

} // namespace phx::dns::wire

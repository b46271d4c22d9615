// SPDX-License-Identifier: GPL-3.0-or-later
// The TSIG resource record on the wire (RFC 8945 §4.2): reading one out of
// an untrusted message, and appending one to a message being sent.
#pragma once

#include "dnsd/tsig/algorithm.hpp"
#include "dnsd/wire/name.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace phx::dns::tsig {

// TSIG's own error field (RFC 8945 §3); the message's RCODE is NOTAUTH.
enum class Error : std::uint16_t {
    none = 0,
    badsig = 16,
    badkey = 17,
    badtime = 18,
    badtrunc = 22,
};

[[nodiscard]] const char* error_text(Error e); // "BADSIG"

// A TSIG record as read. The spans point into the message.
struct Record {
    std::size_t offset = 0;        // where the record starts: the message without it is [0, offset)
    wire::Name key_name;           // lower case
    wire::Name algorithm;          // lower case
    std::uint64_t time_signed = 0; // seconds since 1970, 48 bits
    std::uint16_t fudge = 0;       // seconds of clock skew allowed
    std::span<const std::uint8_t> mac;
    std::uint16_t original_id = 0;
    std::uint16_t error = 0;
    std::span<const std::uint8_t> other;
};

// Reads the TSIG record at `offset`, which must be the message's last
// record (RFC 8945 §5.2: anywhere else is FORMERR). nullopt if it is not a
// well-formed TSIG record ending exactly where the message ends.
[[nodiscard]] std::optional<Record> read_record(std::span<const std::uint8_t> message,
                                                std::size_t offset);

// Where the TSIG record of a message starts, if its last record is one;
// nullopt if there is none or the message does not parse.
[[nodiscard]] std::optional<std::size_t> find_record(std::span<const std::uint8_t> message);

// What goes into a TSIG record we write.
struct Fields {
    std::span<const std::uint8_t> key_name; // lower-case wire form
    std::span<const std::uint8_t> algorithm;
    std::uint64_t time_signed = 0;
    std::uint16_t fudge = 0;
    std::span<const std::uint8_t> mac; // empty for an unsigned error (RFC 8945 §5.3.2)
    std::uint16_t original_id = 0;
    Error error = Error::none;
    std::span<const std::uint8_t> other;
};

// The bytes the record takes.
[[nodiscard]] std::size_t record_size(const Fields& f) noexcept;

// Appends the record (names uncompressed, RFC 8945 §4.2) to the message in
// buffer[0, size) and counts it in ARCOUNT; false, with nothing changed, if
// it does not fit in the buffer.
bool append_record(std::span<std::uint8_t> buffer, std::size_t& size, const Fields& f) noexcept;

} // namespace phx::dns::tsig

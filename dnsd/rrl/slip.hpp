// SPDX-License-Identifier: GPL-3.0-or-later
// The "slip" of response rate limiting: instead of dropping every limited
// reply, every Nth is sent truncated, so a real client behind a spoofed
// flood retries over TCP (which is never limited) and still gets its
// answer, while the flood's victim receives a reply no larger than the
// query.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace phx::dns::rrl {

// Rewrites the reply in reply[0, size) in place into its truncated form:
// header and question kept, TC set, every record dropped except the OPT
// record (which keeps the client's EDNS state and its new cookie). Returns
// the new size, or 0 if the bytes do not parse as a reply (never for one
// answer() wrote).
[[nodiscard]] std::size_t truncate_reply(std::span<std::uint8_t> reply, std::size_t size) noexcept;

} // namespace phx::dns::rrl

// SPDX-License-Identifier: GPL-3.0-or-later
// The client's version in an IXFR query: the serial of the SOA record in
// its authority section (RFC 1995 §3).
#pragma once

#include "dnsd/query.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace phx::dns::xfr {

// nullopt if the authority section does not start with an SOA record for
// the question's name (then the query is FORMERR).
[[nodiscard]] std::optional<std::uint32_t> ixfr_client_serial(std::span<const std::uint8_t> message,
                                                              const ParsedQuery& query) noexcept;

} // namespace phx::dns::xfr

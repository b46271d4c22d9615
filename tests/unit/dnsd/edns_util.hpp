// SPDX-License-Identifier: GPL-3.0-or-later
// Test helpers for EDNS options: queries whose OPT record carries given
// options, and the options of a reply's OPT record, read back by code.
// Shared by the answer() tests and the per-worker guard tests, which look
// at the same NSID and COOKIE bytes from two sides.
#pragma once

#include "dnsd/wire/types.hpp"

#include <cstdint>
#include <map>
#include <span>
#include <string_view>
#include <vector>

namespace phx::test {

using Bytes = std::vector<std::uint8_t>;

// A query with an OPT record (of UDP size `size`) holding `options` as its rdata.
Bytes query_with(std::string_view name, dns::RrType type, const Bytes& options,
                 std::uint16_t size = 1232);

// One option: code, length, data.
Bytes option(std::uint16_t code, const Bytes& data);

Bytes cat(Bytes a, const Bytes& b);

// The options of the reply's OPT record, by code; empty if it has none.
// Fails the test if the reply does not parse.
std::map<std::uint16_t, Bytes> reply_options(std::span<const std::uint8_t> reply);

} // namespace phx::test

// SPDX-License-Identifier: GPL-3.0-or-later
// Reading back: nf_tables objects as libnftnl parses them -> IR. It knows
// the expression patterns phx-fw (and nft, for the same rules) generates;
// anything else is kept as text in Rule::undecoded, so `list` shows it and
// `diff` reports it instead of silently ignoring it.
#pragma once

#include "fwcompile/ir.hpp"

#include <cstdint>
#include <optional>
#include <string>

struct nftnl_chain;
struct nftnl_rule;
struct nftnl_set;

namespace phx::fw::netlink {

// nullopt for chains phx-fw does not make (not a filter base chain).
[[nodiscard]] std::optional<ir::Chain> decode_chain(nftnl_chain* chain, ir::Family family);

// The set with the elements parsed into it, their comments kept in `texts`
// (the table's); nullopt for key types phx-fw does not use.
[[nodiscard]] std::optional<ir::Set> decode_set(nftnl_set* set, TextArena& texts);

[[nodiscard]] ir::Rule decode_rule(nftnl_rule* rule, ir::Family family);

// The comment TLV (type 0) of rule or element user data; "" if none.
[[nodiscard]] std::string comment_of(const void* data, std::uint32_t length);

} // namespace phx::fw::netlink

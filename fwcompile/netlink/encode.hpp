// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 5, batch: IR -> nf_tables messages (libnftnl objects for tables,
// chains, sets and rules; set elements written directly with libmnl so each
// message is filled to its limit and every element's offset is known).
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/batch.hpp"

#include <array>
#include <map>
#include <string>

struct nftnl_rule;

namespace phx::fw::netlink {

// NFPROTO_INET or NFPROTO_BRIDGE.
[[nodiscard]] std::uint8_t nfproto(ir::Family family);

// Replaces phx-fw's tables of every family atomically: for each, NEWTABLE
// (create it if missing) and DELTABLE; then each table of the ruleset with
// its chains, sets with their elements, and rules. A family the ruleset has
// no table of ends up with none. Conntrack state lives outside the tables
// and survives the swap. Counters start at the values the tables hold: zero
// when compiled, the snapshot's own when `apply --confirm` puts them back.
void encode_replace(const ir::Ruleset& ruleset, Batch& batch);
// The same for one table, leaving the other family's alone.
void encode_replace(const ir::Table& table, Batch& batch);

// Removes table <family> phx if it exists, and nothing else.
void encode_flush(ir::Family family, Batch& batch);
// Removes phx-fw's tables of every family.
void encode_flush_all(Batch& batch);

// Set name -> NFTA_SET_ID within one batch; rules refer to new sets by id.
using SetIds = std::map<std::string, std::uint32_t, std::less<>>;

// The expressions of one rule, in the order nft itself would emit them.
void encode_expressions(const ir::Rule& rule, const ir::Table& table, const SetIds& ids,
                        nftnl_rule* out);

// The bytes of one element's key (or key end) as the kernel stores them:
// each field of a concatenation padded to a 32-bit register.
[[nodiscard]] std::string key_bytes(const ir::Set& set, const ir::Element& element, bool end);
// The same into `out`, returning how many bytes it wrote; the encoder's
// way, without an allocation per element. A key longer than the kernel's
// 64 bytes (NFT_DATA_VALUE_MAXLEN) throws std::length_error.
using KeyBuffer = std::array<char, 64>;
std::size_t write_key(const ir::Set& set, const ir::Element& element, bool end, KeyBuffer& out);

// The key length, flags and user data phx-fw gives a set, and the user data
// of a rule's or element's comment ("" for none): what the encoder writes,
// for comparing with what the kernel holds (netlink/fidelity.hpp).
[[nodiscard]] std::uint32_t key_length(const ir::Set& set);
[[nodiscard]] std::uint32_t set_flags(const ir::Set& set);
[[nodiscard]] std::string set_user_data(const ir::Set& set);
[[nodiscard]] std::string comment_user_data(std::string_view comment);

// The name sent for a set: anonymous sets get theirs from the kernel.
[[nodiscard]] std::string wire_set_name(const ir::Set& set);

} // namespace phx::fw::netlink

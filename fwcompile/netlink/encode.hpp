// SPDX-License-Identifier: GPL-3.0-or-later
// Stage 5, batch: IR -> nf_tables messages (libnftnl objects for tables,
// chains, sets and rules; set elements written directly with libmnl so each
// message is filled to its limit and every element's offset is known).
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/batch.hpp"

#include <map>
#include <string>

struct nftnl_rule;

namespace phx::fw::netlink {

// Replaces table inet phx atomically: NEWTABLE (create it if missing),
// DELTABLE, NEWTABLE, then the chains, the sets with their elements, and
// the rules. Conntrack state lives outside the table and survives the swap.
// Counters start at the values the table holds: zero when compiled, the
// snapshot's own when `apply --confirm` puts a table back.
void encode_replace(const ir::Table& table, Batch& batch);

// Removes table inet phx if it exists, and nothing else.
void encode_flush(Batch& batch);

// Set name -> NFTA_SET_ID within one batch; rules refer to new sets by id.
using SetIds = std::map<std::string, std::uint32_t, std::less<>>;

// The expressions of one rule, in the order nft itself would emit them.
void encode_expressions(const ir::Rule& rule, const ir::Table& table, const SetIds& ids,
                        nftnl_rule* out);

// The bytes of one element's key (or key end) as the kernel stores them:
// each field of a concatenation padded to a 32-bit register.
[[nodiscard]] std::string key_bytes(const ir::Set& set, const ir::Element& element, bool end);

// The key length, flags and user data phx-fw gives a set, and the user data
// of a rule's or element's comment ("" for none): what the encoder writes,
// for comparing with what the kernel holds (netlink/fidelity.hpp).
[[nodiscard]] std::uint32_t key_length(const ir::Set& set);
[[nodiscard]] std::uint32_t set_flags(const ir::Set& set);
[[nodiscard]] std::string set_user_data(const ir::Set& set);
[[nodiscard]] std::string comment_user_data(const std::string& comment);

// The name sent for a set: anonymous sets get theirs from the kernel.
[[nodiscard]] std::string wire_set_name(const ir::Set& set);

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// Whether a table read back can be put back exactly. `apply --confirm`
// promises to restore the previous table inet phx byte for byte, so every
// attribute the kernel reports for it must be one phx-fw writes, with the
// value phx-fw would write from what it decoded. Each check appends what
// would be lost, in words for the admin; nothing appended means exact.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/encode.hpp"

#include <string>
#include <vector>

struct nftnl_table;
struct nftnl_chain;
struct nftnl_set;
struct nftnl_rule;

namespace phx::fw::netlink {

using Problems = std::vector<std::string>;

// Table flags (dormant, owner) and a table comment cannot be restored.
void check_table(const nftnl_table* raw, Problems& out);

// `decoded` is what decode_chain() made of `raw`.
void check_chain(const nftnl_chain* raw, const ir::Chain& decoded, Problems& out);

// `decoded` is what decode_set() made of `raw`, elements included.
void check_set(nftnl_set* raw, const ir::Set& decoded, Problems& out);

// Encodes `decoded` again and compares it, expression by expression, with
// the kernel's rule. `table` holds the decoded sets (every set the rule
// looks up) and `ids` numbers them; see rule_check_table().
void check_rule(nftnl_rule* raw, const ir::Rule& decoded, const std::string& chain,
                const ir::Table& table, const SetIds& ids, Problems& out);

// The decoded table as check_rule() needs it: every set keeps the name the
// kernel gave it (anonymous ones too), so lookups compare by name.
[[nodiscard]] ir::Table rule_check_table(const ir::Table& decoded, SetIds& ids);

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw's live counters in the Prometheus text format (version 0.0.4), for
// node_exporter's textfile collector: what each row admitted, what each
// chain's policy dropped, what the bridge table's address binding stopped.
#pragma once

#include "fwcompile/ir.hpp"

#include <string>
#include <string_view>

namespace phx::fw::watch {

// Families, each with HELP and TYPE, and only when it has a sample:
//   phx_fw_rule_{packets,bytes}_total{table,chain,comment}: every counted
//     rule of table inet phx but the policy drop; a lookup in a counting set
//     counts per element comment (a row's), summed per comment in its chain.
//   phx_fw_policy_drop_{packets,bytes}_total{chain}: what no row accepted.
//   phx_fw_binding_drop_{packets,bytes}_total{comment}: table bridge phx's drops.
// Series keep the order the tables list them in.
[[nodiscard]] std::string prometheus_text(const ir::Ruleset& live);

// A label value as the format quotes it: \ " and newline escaped.
[[nodiscard]] std::string escape_label_value(std::string_view value);

} // namespace phx::fw::watch

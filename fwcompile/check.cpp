// SPDX-License-Identifier: GPL-3.0-or-later
// The linter; see check.hpp for what it reports.
#include "fwcompile/check.hpp"

#include "fwcompile/flow.hpp"
#include "fwcompile/scope.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <tuple>

namespace phx::fw {
namespace {

void lint_never_matching(const RuleSet& rules, Diagnostics& diag) {
    for (const auto& row : rules.rows)
        if (!row.effective) diag.warning(row.pos.scope, never_matches_reason(row, rules.inventory));
}

void lint_address_list(const AddressList& list, const Inventory& inventory, Diagnostics& diag) {
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        const Address& a = list.items[i];
        for (std::size_t j = 0; j < i; ++j)
            if (a.cidr.overlaps(list.items[j].cidr)) {
                diag.warning(a.at, fmt::format("'{}' overlaps '{}' earlier in this list", a.text,
                                               list.items[j].text));
                break;
            }
        if (a.cidr.is_host() && !a.host && inventory.network.contains(a.cidr.address))
            diag.warning(a.at,
                         fmt::format("{} is in the network {} but no host in the inventory has it",
                                     a.text, inventory.network.to_string()));
    }
}

void lint_port_list(const PortList& list, Diagnostics& diag) {
    for (std::size_t i = 0; i < list.ranges.size(); ++i)
        for (std::size_t j = 0; j < i; ++j) {
            const PortRange& a = list.ranges[i];
            const PortRange& b = list.ranges[j];
            if (a.first <= b.last && b.first <= a.last) {
                diag.warning(list.at[i],
                             fmt::format("port {} overlaps port {} earlier in this list",
                                         a.to_string(), b.to_string()));
                break;
            }
        }
}

std::string shadow_message(const Row& earlier, const Row& later) {
    const std::string at = earlier.at.to_string();
    if (earlier.action != later.action)
        return fmt::format(
            "shadowed by the row at {} ({}), which matches all of its traffic first: this row "
            "never decides anything",
            at, to_string(earlier.action));
    if (covers(*later.effective, *earlier.effective))
        return fmt::format("duplicate of the row at {}", at);
    return fmt::format("redundant: the row at {} ({}) already matches all of its traffic", at,
                       to_string(earlier.action));
}

// A later row that an earlier one covers never decides anything: in every
// chain both are placed in, the earlier one is met first.
void lint_shadowing(const RuleSet& rules, Diagnostics& diag) {
    for (std::size_t i = 0; i < rules.rows.size(); ++i) {
        const Row& later = rules.rows[i];
        if (!later.effective) continue;
        for (std::size_t j = 0; j < i; ++j) {
            const Row& earlier = rules.rows[j];
            if (!earlier.effective || !covers(*earlier.effective, *later.effective)) continue;
            diag.warning(later.at, shadow_message(earlier, later));
            break;
        }
    }
}

} // namespace

void lint(const RuleSet& rules, Diagnostics& diag) {
    Diagnostics found;
    lint_never_matching(rules, found);
    for (const auto& row : rules.rows) {
        lint_address_list(row.written.source, rules.inventory, found);
        lint_address_list(row.written.destination, rules.inventory, found);
        lint_port_list(row.written.ports, found);
    }
    lint_shadowing(rules, found);
    // Report in file order, the order an editor walks them in.
    auto all = found.all();
    std::stable_sort(all.begin(), all.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.at.line, a.at.column) < std::tie(b.at.line, b.at.column);
    });
    for (auto& d : all) diag.warning(std::move(d.at), std::move(d.message));
}

} // namespace phx::fw

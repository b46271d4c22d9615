// SPDX-License-Identifier: GPL-3.0-or-later
// The linter; see lint.hpp for what it reports.
#include "fwcompile/analyse/lint.hpp"

#include "fwcompile/flow.hpp"
#include "fwcompile/scope.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace phx::fw {
namespace {

void lint_never_matching(const RuleSet& rules, Diagnostics& diag) {
    for (const auto& row : rules.rows)
        if (!row.effective())
            diag.warning(row.scope_at, never_matches_reason(row, rules.inventory));
}

void lint_address_list(std::span<const Address> list, const Inventory& inventory,
                       Diagnostics& diag) {
    for (std::size_t i = 0; i < list.size(); ++i) {
        const Address& a = list[i];
        for (std::size_t j = 0; j < i; ++j)
            if (a.cidr.overlaps(list[j].cidr)) {
                diag.warning(a.at, fmt::format("'{}' overlaps '{}' earlier in this list", a.text,
                                               list[j].text));
                break;
            }
        const Cidr* network = inventory.network(a.cidr.address.family);
        // A node of the cluster is no host, but it is in the inventory.
        if (a.cidr.is_host() && !a.host && network && network->contains(a.cidr.address) &&
            !inventory.find_node(a.cidr.address))
            diag.warning(a.at,
                         fmt::format("{} is in the network {} but no host in the inventory has it",
                                     a.text, network->to_string()));
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
    const std::string at = earlier.origin == RowOrigin::rule
                               ? earlier.at.to_string()
                               : fmt::format("{} (\"{}\")", row_source(earlier), earlier.comment);
    if (earlier.action != later.action)
        return fmt::format(
            "shadowed by the row at {} ({}), which matches all of its traffic first: this row "
            "never decides anything",
            at, to_string(earlier.action));
    if (covers(*later.effective(), *earlier.effective()))
        return fmt::format("duplicate of the row at {}", at);
    return fmt::format("redundant: the row at {} ({}) already matches all of its traffic", at,
                       to_string(earlier.action));
}

// Earlier rows, found by what they match. A row can only be covered by one
// whose destination holds all of its destination, so also the first entry;
// and likewise for the source. Each row is filed under its own source and
// destination entries (or as "any"); a later row looks up every prefix that
// holds its first entry (at most 33 for IPv4, 129 for IPv6) and is compared
// only with the rows filed there, on whichever side finds fewer, instead of
// with every row before it.
class RowIndex {
public:
    void add(std::uint32_t row, const Flow& flow) {
        source_.add(row, flow.source);
        destination_.add(row, flow.destination);
    }

    // Calls visit(row) for every filed row that may cover `flow` (some twice).
    template <typename Visit>
    void for_each_candidate(const Flow& flow, Visit visit) const {
        const auto by_source = source_.holding(flow.source);
        const auto by_destination = destination_.holding(flow.destination);
        const auto& fewer = count(by_source) <= count(by_destination) ? by_source : by_destination;
        for (const auto* rows : fewer)
            for (const auto row : *rows) visit(row);
    }

private:
    using Rows = std::vector<std::uint32_t>;

    struct PrefixHash {
        std::size_t operator()(const Cidr& c) const noexcept {
            const std::string_view bytes{reinterpret_cast<const char*>(c.address.bytes.data()),
                                         c.address.size()};
            return std::hash<std::string_view>{}(bytes) ^ (c.prefix << 1) ^
                   static_cast<std::size_t>(c.address.family);
        }
    };

    static Cidr normal(const Cidr& c) { return {c.network(), c.prefix}; }

    static std::size_t count(const std::vector<const Rows*>& groups) {
        std::size_t n = 0;
        for (const auto* rows : groups) n += rows->size();
        return n;
    }

    struct Side {
        std::unordered_map<Cidr, Rows, PrefixHash> by_prefix;
        Rows any;

        void add(std::uint32_t row, const AddressList& list) {
            if (list.any()) any.push_back(row);
            for (const auto& a : list.items) by_prefix[normal(a.cidr)].push_back(row);
        }

        // The rows whose side may hold all of `list`: only "any" holds "any".
        [[nodiscard]] std::vector<const Rows*> holding(const AddressList& list) const {
            std::vector<const Rows*> out{&any};
            if (list.any()) return out;
            const Cidr& first = list.items.front().cidr;
            for (unsigned prefix = 1; prefix <= first.prefix; ++prefix) {
                const auto it = by_prefix.find(normal({first.address, prefix}));
                if (it != by_prefix.end()) out.push_back(&it->second);
            }
            return out;
        }
    };

    Side source_;
    Side destination_;
};

// A later row that an earlier one covers never decides anything: in every
// chain both are placed in, the earlier one is met first. The first such
// earlier row is named.
void lint_shadowing(const RuleSet& rules, Diagnostics& diag) {
    RowIndex earlier_rows;
    for (std::uint32_t i = 0; i < rules.rows.size(); ++i) {
        const Row& later = rules.rows[i];
        if (!later.effective()) continue;
        if (later.origin != RowOrigin::rule) { // [management] rows are not the admin's to fix
            earlier_rows.add(i, *later.effective());
            continue;
        }
        std::optional<std::uint32_t> first;
        earlier_rows.for_each_candidate(*later.effective(), [&](std::uint32_t j) {
            if ((!first || j < *first) && covers(*rules.rows[j].effective(), *later.effective()))
                first = j;
        });
        if (first) diag.warning(later.at, shadow_message(rules.rows[*first], later));
        earlier_rows.add(i, *later.effective());
    }
}

} // namespace

void lint(const RuleSet& rules, Diagnostics& diag) {
    Diagnostics found;
    lint_never_matching(rules, found);
    for (const auto& row : rules.rows) {
        if (row.origin != RowOrigin::rule) continue;
        lint_address_list(row.written_source(), rules.inventory, found);
        lint_address_list(row.written_destination(), rules.inventory, found);
        lint_port_list(row.flow.ports, found);
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

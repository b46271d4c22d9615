// SPDX-License-Identifier: GPL-3.0-or-later
// Pieces of the lowering stage shared between its files; not an interface.
#pragma once

#include "fwcompile/ir.hpp"
#include "fwcompile/model.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace phx::fw::detail {

struct LowerContext {
    const RuleSet& rules;
    ir::Table& table;
    ir::Hook hook;
    HostIndex self;    // whose input and output chains these are
    std::string chain; // the chain being built; its sets are named chain_1, chain_2, ...
    unsigned sets_made = 0;
};

// The row's flow as this chain matches it: a side the scope pinned to the
// chain's own host (see Address::from_scope) is implied by the hook. That
// is the row's own flow unless such a side is left out; only then is it
// copied, into `scratch`, so most rows cost no copy at all.
[[nodiscard]] const Flow& flow_at(const Row& row, const LowerContext& ctx, Flow& scratch);

[[nodiscard]] ir::OriginId origin_of(const Row& row, const RuleSet& rules);

// table bridge phx: each guest's port may send only from the guest's
// address (and MAC, when the inventory has it); see bridge.cpp.
[[nodiscard]] ir::Table lower_bridge(const RuleSet& rules);

// "phoenix.toml" for "/etc/x/phoenix.toml".
[[nodiscard]] std::string file_name(const std::string& path);

// From this many rows a run of accept rows has its later half's set
// elements made on a second thread: the forward chain of the project 50k
// benchmark policy is one run of ~48,500 rows, whose elements took 5.5-6
// ms on one thread (this project's VM).
inline constexpr std::size_t kRunRowsForTwoThreads = 16'384;

// The rules of one chain from the rows placed on it.
void lower_rows(const std::vector<const Row*>& rows, ir::Chain& chain, LowerContext& ctx);

// The chain's rows as lowered: runs of accept rows, each but the first after
// one drop or reject row. Rows keep their order, except that an accept row
// joins the run after the last drop or reject row before it with which it
// shares a packet: it moves up past rows it shares no packet with, which
// changes no verdict (a packet it matches meets no row on the way that would
// decide otherwise), and so rows that do not conflict share one run, one
// set lookup per key shape, however many drop rows the policy has.
struct Segments {
    std::vector<std::vector<const Row*>> runs{{}}; // runs[k] follows denies[k - 1]
    std::vector<const Row*> denies;
    std::vector<Flow> deny_flows; // as the chain matches them
};
[[nodiscard]] Segments segment(const std::vector<const Row*>& rows, const LowerContext& ctx);

// The concatenated key a flow's set elements use: addresses when the flow
// has a family, then the protocol when it has one, then the port. Kept in
// place (it is worked out for every row) and made a vector for the IR.
struct KeyShape {
    std::array<ir::Field, 4> fields{};
    std::size_t size = 0;

    [[nodiscard]] std::vector<ir::Field> vector() const {
        return {fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(size)};
    }
    friend bool operator==(const KeyShape&, const KeyShape&) = default;
};
[[nodiscard]] KeyShape key_fields(const Flow& flow);

// One element per combination of the flow's sources, destinations and ports,
// the last field varying fastest. Each views `comment` (a row's, in
// RuleSet::texts, which the table shares), not a copy.
void add_elements(const Flow& flow, const KeyShape& key, std::string_view comment,
                  ir::OriginId origin, std::vector<ir::Element>& out);

// Elements split into what the kernel can hold: single values go to one
// hash set (duplicates dropped); ranges go to interval sets, a new one
// whenever an element would overlap one already there, because the kernel
// refuses overlapping elements in a concatenated interval set, or when the
// set holds 1,024 elements, which the kernel loads much faster than one
// large set. A range that lies wholly inside an earlier one adds nothing
// and is dropped (in a policy where one range may meet thousands, only when
// the earlier one is in the set it goes to: see kMaxCandidates in sets.cpp).
struct ElementGroups {
    std::vector<ir::Element> points;
    std::vector<std::vector<ir::Element>> layers;
};
[[nodiscard]] ElementGroups group_elements(std::vector<ir::Element> elements);
// The same for elements already apart: `points` all single values, `ranges`
// none, each in the order made.
[[nodiscard]] ElementGroups group_elements(std::vector<ir::Element> points,
                                           std::vector<ir::Element> ranges);

// Moves the elements of points[from...] that are not single values to the
// end of `ranges`, both in order: a pass that keeps a large run's elements
// apart as they are made, so grouping them need not part them again.
void move_ranges(std::vector<ir::Element>& points, std::size_t from,
                 std::vector<ir::Element>& ranges);

// From this many single values, and this many ranges, group_elements drops
// the repeated values on a second thread while it layers the ranges: the two
// share nothing (the project 50k policy's forward chain: ~52,000 values,
// 1-1.4 ms; ~2,400 ranges, 1.4-2 ms). With fewer, starting a thread costs
// about what it would gain.
inline constexpr std::size_t kPointsForTwoThreads = 16'384;
inline constexpr std::size_t kRangesForTwoThreads = 1'024;

} // namespace phx::fw::detail

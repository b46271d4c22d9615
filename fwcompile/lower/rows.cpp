// SPDX-License-Identifier: GPL-3.0-or-later
// Rows -> rules: a row with one address per side and one port range is one
// rule; a run of accept rows, or a row with lists, becomes set lookups.
#include "common/huge_pages.hpp"
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/lower/two_threads.hpp"
#include "fwcompile/row_prefetch.hpp"

#include <algorithm>
#include <fmt/format.h>
#include <iterator>
#include <span>

namespace phx::fw::detail {
namespace {

ir::Field address_field(IpFamily family, bool source) {
    if (family == IpFamily::v4) return source ? ir::Field::ip_saddr : ir::Field::ip_daddr;
    return source ? ir::Field::ip6_saddr : ir::Field::ip6_daddr;
}

bool single_valued(const Flow& flow) {
    return flow.source.items.size() <= 1 && flow.destination.items.size() <= 1 &&
           flow.ports.ranges.size() <= 1;
}

ir::Verdict verdict_for(Action action, const Flow& flow) {
    if (action == Action::accept) return ir::Verdict::accept;
    if (action == Action::drop) return ir::Verdict::drop;
    if (flow.protocol == Protocol::tcp) return ir::Verdict::reject_tcp_reset;
    const auto family = flow.family();
    if (!family) return ir::Verdict::reject_icmpx;
    return family == IpFamily::v4 ? ir::Verdict::reject_icmp : ir::Verdict::reject_icmpv6;
}

// One match per written value: ip saddr, ip daddr, meta l4proto, th dport.
ir::Rule plain_rule(const Row& row, const Flow& flow, const LowerContext& ctx) {
    ir::Rule rule;
    if (const auto family = flow.family()) {
        if (!flow.source.any())
            rule.matches.push_back(ir::FieldMatch{address_field(*family, true),
                                                  ir::interval_of(flow.source.items[0].cidr)});
        if (!flow.destination.any())
            rule.matches.push_back(ir::FieldMatch{address_field(*family, false),
                                                  ir::interval_of(flow.destination.items[0].cidr)});
    }
    if (flow.protocol != Protocol::any)
        rule.matches.push_back(ir::FieldMatch{
            ir::Field::l4proto, ir::interval_of_byte(ip_protocol_number(flow.protocol))});
    if (!flow.ports.any())
        rule.matches.push_back(
            ir::FieldMatch{ir::Field::th_dport, ir::interval_of(flow.ports.ranges[0])});
    rule.verdict = verdict_for(row.action, flow);
    rule.comment = row.comment;
    rule.origin = origin_of(row, ctx.rules);
    return rule;
}

// The comment of a set lookup: the row's own when it holds one row's
// elements, else which rows it gathers (each element keeps its row's comment).
std::string set_rule_comment(const std::vector<ir::Element>& elements, const LowerContext& ctx) {
    std::vector<ir::OriginId> origins;
    origins.reserve(elements.size());
    for (const auto& e : elements) origins.push_back(e.origin);
    // Elements are made row by row, so this is almost always sorted already.
    if (!std::is_sorted(origins.begin(), origins.end())) std::sort(origins.begin(), origins.end());
    origins.erase(std::unique(origins.begin(), origins.end()), origins.end());
    if (origins.size() == 1) return std::string{ctx.rules.rows[origins.front() - 1].comment};
    // [management]'s rows come first; the rest are the file's, in order.
    const auto management =
        static_cast<std::size_t>(std::count_if(origins.begin(), origins.end(), [&](ir::OriginId o) {
            return o <= ctx.rules.management_rows;
        }));
    const std::size_t written = origins.size() - management;
    const std::string rows = management == 0 ? fmt::format("{} accept rows", written)
                             : written == 0
                                 ? fmt::format("{} [management] rows", management)
                                 : fmt::format("[management] and {} accept rows", written);
    if (written == 0) return rows;
    const Row& first = ctx.rules.rows[origins[management] - 1];
    const Row& last = ctx.rules.rows[origins.back() - 1];
    std::string comment =
        fmt::format("{}, {}:{}-{}", rows, file_name(ctx.rules.file), first.at.line, last.at.line);
    if (comment.size() > kMaxCommentBytes)
        comment = fmt::format("{}, lines {}-{}", rows, first.at.line, last.at.line);
    return comment;
}

// A set holding `elements` and the rule that looks packets up in it.
void add_set_rule(const KeyShape& key, std::vector<ir::Element> elements, bool interval,
                  const std::vector<ir::Match>& prefix, ir::Verdict verdict, ir::Chain& chain,
                  LowerContext& ctx) {
    ir::Set set;
    set.name = fmt::format("{}_{}", ctx.chain, ++ctx.sets_made);
    for (const auto field : key.vector()) set.key.push_back(ir::info(field).type);
    set.interval = interval;
    set.counter = true;
    set.origin = elements.front().origin;
    ir::Rule rule;
    rule.matches = prefix;
    rule.verdict = verdict;
    rule.comment = set_rule_comment(elements, ctx);
    rule.origin = set.origin;
    rule.matches.push_back(ir::SetMatch{key.vector(), set.name});
    set.elements = std::move(elements);
    ctx.table.sets.push_back(std::move(set));
    chain.rules.push_back(std::move(rule));
}

void add_set_rules(const KeyShape& key, ElementGroups groups, const std::vector<ir::Match>& prefix,
                   ir::Verdict verdict, ir::Chain& chain, LowerContext& ctx) {
    if (!groups.points.empty())
        add_set_rule(key, std::move(groups.points), false, prefix, verdict, chain, ctx);
    for (auto& layer : groups.layers)
        add_set_rule(key, std::move(layer), true, prefix, verdict, chain, ctx);
}

// A drop or reject row with lists: its own sets. "reject with tcp reset"
// needs the protocol established before the lookup, as nft requires.
void lower_row_with_lists(const Row& row, const Flow& flow, ir::Chain& chain, LowerContext& ctx) {
    const auto key = key_fields(flow);
    std::vector<ir::Element> elements;
    add_elements(flow, key, row.comment, origin_of(row, ctx.rules), elements);
    const ir::Verdict verdict = verdict_for(row.action, flow);
    std::vector<ir::Match> prefix;
    if (verdict == ir::Verdict::reject_tcp_reset)
        prefix.push_back(ir::FieldMatch{ir::Field::l4proto,
                                        ir::interval_of_byte(ip_protocol_number(Protocol::tcp))});
    add_set_rules(key, group_elements(std::move(elements)), prefix, verdict, chain, ctx);
}

// What a stretch of an accept run gathers: set elements by key shape (the
// single values and the ranges apart), the shapes in the order each first
// appears, and the rows that stay plain rules.
struct Gathered {
    struct Shape {
        KeyShape key;
        std::vector<ir::Element> points;
        std::vector<ir::Element> ranges;
    };
    std::vector<Shape> shapes;
    std::vector<ir::Rule> plain;

    // What a later stretch gathered, after this one's: the same as one
    // stretch gathering both, in order.
    void append(Gathered&& later) {
        const auto move_to_end = [](auto& to, auto& from) {
            to.insert(to.end(), std::make_move_iterator(from.begin()),
                      std::make_move_iterator(from.end()));
        };
        for (auto& shape : later.shapes) {
            auto same = std::find_if(shapes.begin(), shapes.end(),
                                     [&](const Shape& s) { return s.key == shape.key; });
            if (same == shapes.end()) {
                shapes.push_back(std::move(shape));
                continue;
            }
            move_to_end(same->points, shape.points);
            move_to_end(same->ranges, shape.ranges);
        }
        move_to_end(plain, later.plain);
    }
};

// Rows whose key would have fewer than two fields (no addresses, no port)
// stay plain rules; the kernel only concatenates two or more.
void gather(std::span<const Row* const> rows, const LowerContext& ctx, Gathered& out) {
    Flow scratch;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        prefetch_ahead(rows, k);
        const Row* row = rows[k];
        const Flow& flow = flow_at(*row, ctx, scratch);
        const KeyShape key = key_fields(flow);
        if (key.size < 2) {
            out.plain.push_back(plain_rule(*row, flow, ctx));
            continue;
        }
        auto shape = std::find_if(out.shapes.begin(), out.shapes.end(),
                                  [&](const Gathered::Shape& s) { return s.key == key; });
        if (shape == out.shapes.end()) {
            shape = out.shapes.insert(out.shapes.end(), {key, {}, {}});
            shape->points.reserve(rows.size()); // at least an element a row, mostly one
        }
        const std::size_t made = shape->points.size();
        add_elements(flow, key, row->comment, origin_of(*row, ctx.rules), shape->points);
        move_ranges(shape->points, made, shape->ranges);
    }
}

// The heap a second thread reserves per row it gathers: an element (56
// bytes) and its key (up to four intervals of 32 bytes), with room.
constexpr std::size_t kThreadHeapPerRow = 256;

// The later half on a thread of its own, the earlier half here. The thread
// reserves its arena's heap when the arena is fresh; from 20,000 rows it is
// handed the loader's ended second thread's arena instead, whose
// reservation was sized for this (load/rows.cpp, kThreadHeapPerRow).
void gather_on_two_threads(std::span<const Row* const> rows, const LowerContext& ctx,
                           Gathered& out) {
    const std::size_t half = rows.size() / 2;
    Gathered later;
    run_beside([&] { gather(rows.first(half), ctx, out); },
               [&] {
                   (void)reserve_thread_heap((rows.size() - half) * kThreadHeapPerRow);
                   gather(rows.subspan(half), ctx, later);
               });
    out.append(std::move(later));
}

// Consecutive accept rows commute, so they are gathered into one set per key
// shape.
void lower_accept_run(const std::vector<const Row*>& run, ir::Chain& chain, LowerContext& ctx) {
    Gathered gathered;
    if (run.size() >= kRunRowsForTwoThreads)
        gather_on_two_threads(run, ctx, gathered);
    else
        gather(run, ctx, gathered);
    for (auto& shape : gathered.shapes)
        add_set_rules(shape.key, group_elements(std::move(shape.points), std::move(shape.ranges)),
                      {}, ir::Verdict::accept, chain, ctx);
    for (auto& rule : gathered.plain) chain.rules.push_back(std::move(rule));
}

// A single accept row with single values is a plain rule, like a drop row.
void lower_run(const std::vector<const Row*>& run, ir::Chain& chain, LowerContext& ctx) {
    if (run.empty()) return;
    Flow scratch;
    const Flow& first = flow_at(*run.front(), ctx, scratch);
    if (run.size() == 1 && single_valued(first))
        chain.rules.push_back(plain_rule(*run.front(), first, ctx));
    else
        lower_accept_run(run, chain, ctx);
}

void lower_deny(const Row& row, ir::Chain& chain, LowerContext& ctx) {
    Flow scratch;
    const Flow& flow = flow_at(row, ctx, scratch);
    if (single_valued(flow))
        chain.rules.push_back(plain_rule(row, flow, ctx));
    else
        lower_row_with_lists(row, flow, chain, ctx);
}

} // namespace

void lower_rows(const std::vector<const Row*>& rows, ir::Chain& chain, LowerContext& ctx) {
    const Segments segments = segment(rows, ctx);
    lower_run(segments.runs.front(), chain, ctx);
    for (std::size_t k = 0; k < segments.denies.size(); ++k) {
        lower_deny(*segments.denies[k], chain, ctx);
        lower_run(segments.runs[k + 1], chain, ctx);
    }
}

} // namespace phx::fw::detail

// SPDX-License-Identifier: GPL-3.0-or-later
// Set elements from flows, and their split into sets the kernel accepts.
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/lower/two_threads.hpp"

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <boost/unordered/unordered_flat_map.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>

namespace phx::fw::detail {
namespace {

// One value of a side of the flow: entry i, or every address of the flow's
// family when the side is "any".
ir::Interval address_value(const AddressList& list, std::size_t i, IpFamily family) {
    if (!list.any()) return ir::interval_of(list.items[i].cidr);
    const IpAddress zero = family == IpFamily::v4 ? IpAddress{} : IpAddress{IpFamily::v6, {}};
    return ir::interval_of(Cidr{zero, 0});
}

bool intersects(const ir::Element& a, const ir::Element& b) {
    for (std::size_t i = 0; i < a.key.size(); ++i)
        if (b.key[i].hi < a.key[i].lo || a.key[i].hi < b.key[i].lo) return false;
    return true;
}

bool inside(const ir::Element& inner, const ir::Element& outer) {
    for (std::size_t i = 0; i < inner.key.size(); ++i)
        if (inner.key[i].lo < outer.key[i].lo || outer.key[i].hi < inner.key[i].hi) return false;
    return true;
}

bool is_point(const ir::Element& e) {
    return std::all_of(e.key.begin(), e.key.end(), [](const ir::Interval& i) { return i.point(); });
}

// Mixes a value into a hash a word at a time (multiply, then fold the high
// bits down); equal hashes are still compared value by value, so the mix
// only has to spread the values policies hold.
std::uint64_t mix(std::uint64_t h, const ir::Value& v) {
    std::array<std::uint64_t, 2> words{};
    std::memcpy(words.data(), v.bytes.data(), sizeof words);
    for (const std::uint64_t w : words) {
        h = (h ^ w) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 32;
    }
    return h;
}

struct ValueHash {
    std::size_t operator()(const ir::Value& v) const noexcept {
        return static_cast<std::size_t>(mix(0, v));
    }
};

// The range elements placed so far, each filed under the first field of its
// key that holds a single value (a range element nearly always has a single
// address or port somewhere), or as "wide" when it has none. A new element
// can only meet those filed under a value its own interval in that field
// covers, and the wide ones: comparing it with every element placed before
// it would make a policy with thousands of ranges quadratic.
//
// A new element's single value is looked up by hash. Only a field where some
// element holds a range keeps its values in order too, for those ranges to
// be looked up by: on the mixed 50k policy a tree walk per field and element
// was most of layering's time.
class PlacedRanges {
public:
    explicit PlacedRanges(const std::vector<ir::Element>& ranges)
        : by_field_(ranges.empty() ? 0 : ranges.front().key.size()) {
        for (const auto& e : ranges)
            for (std::size_t f = 0; f < e.key.size(); ++f)
                if (!e.key[f].point()) by_field_[f].ordered = true;
    }

    void add(const ir::Element& e, std::uint32_t index) {
        for (std::size_t f = 0; f < e.key.size(); ++f)
            if (e.key[f].point()) {
                Filed& filed = by_field_[f];
                filed.by_value[e.key[f].lo].push_back(index);
                if (filed.ordered) filed.in_order.emplace(e.key[f].lo, index);
                return;
            }
        wide_.push_back(index);
    }

    // Calls visit(index) for every placed element that may intersect `e`,
    // or gives up (false) once it would call it more than `limit` times.
    template <typename Visit>
    bool for_each_near(const ir::Element& e, std::size_t limit, Visit visit) const {
        std::size_t calls = 0;
        for (std::size_t f = 0; f < e.key.size(); ++f) {
            const Filed& filed = by_field_[f];
            if (filed.by_value.empty()) continue;
            if (e.key[f].point()) {
                const auto found = filed.by_value.find(e.key[f].lo);
                if (found == filed.by_value.end()) continue;
                for (const auto index : found->second) {
                    if (++calls > limit) return false;
                    visit(index);
                }
                continue;
            }
            const auto end = filed.in_order.upper_bound(e.key[f].hi);
            for (auto it = filed.in_order.lower_bound(e.key[f].lo); it != end; ++it) {
                if (++calls > limit) return false;
                visit(it->second);
            }
        }
        for (const auto index : wide_) {
            if (++calls > limit) return false;
            visit(index);
        }
        return true;
    }

private:
    struct Filed {
        // In the order placed, as the ordered index lists equal values.
        boost::unordered_flat_map<ir::Value, boost::container::small_vector<std::uint32_t, 2>,
                                  ValueHash>
            by_value;
        std::multimap<ir::Value, std::uint32_t> in_order; // only when `ordered`
        bool ordered = false; // some element holds a range in this field
    };
    std::vector<Filed> by_field_;
    std::vector<std::uint32_t> wide_;
};

// The most elements one interval set holds. The kernel's concatenated
// interval sets (pipapo) check each new element against the whole set and
// grow their lookup tables as they go, so loading one set takes time in the
// square of its size: at 50,000 rows of the mixed benchmark policy, 20,000
// range elements in one set cost the kernel about twice as long as the same
// elements in sets of 1,024. A lookup reads bitmaps in proportion to a set's
// elements, so a packet that meets several smaller sets does the same work.
constexpr std::uint32_t kMaxIntervalElements = 1024;

// How many placed elements the index may hand one new element. The index
// files an element under one field; where many ranges meet in every field
// but one (rows from hosts to "any" beside rows from "any" to hosts, each
// with a port range of its own), each new one would be handed all of the
// other kind: 40,000 such rows took 4 s. Past this many, the element goes
// instead to the spill layer (the last layer, or a new one), checked
// against that layer's members one by one: bounded work, and still no two
// elements of a layer overlap. It may then keep an element that lies inside
// one of another layer, which matches nothing more. No benchmark policy
// comes near the limit.
constexpr std::size_t kMaxCandidates = 512;

// Where an element handed too many candidates stands with a layer, from
// that layer's members alone: it fits, it lies inside one (and adds
// nothing), or it overlaps one or finds the layer full.
enum class Spill { fits, covered, clash };

bool has_room(const std::vector<std::uint32_t>& layer) {
    return layer.size() < kMaxIntervalElements;
}

Spill spill_check(const std::vector<ir::Element>& ranges,
                  const std::vector<std::vector<std::uint32_t>>& members, std::uint32_t i,
                  std::uint32_t layer) {
    for (const auto m : members[layer])
        if (intersects(ranges[i], ranges[m]))
            return inside(ranges[i], ranges[m]) ? Spill::covered : Spill::clash;
    return has_room(members[layer]) ? Spill::fits : Spill::clash;
}

// Range elements into layers: each goes to the first layer it does not
// overlap that has room; one that lies wholly inside an earlier range adds
// nothing. Past kMaxCandidates, to the spill layer instead (above).
std::vector<std::vector<ir::Element>> layer_ranges(std::vector<ir::Element> ranges) {
    if (ranges.empty()) return {};
    PlacedRanges placed{ranges};
    std::vector<std::uint32_t> layer_of(ranges.size());
    std::vector<std::vector<std::uint32_t>> members; // each layer's elements, in order
    std::vector<bool> clash;
    constexpr std::uint32_t kNone = UINT32_MAX;
    std::uint32_t spill = kNone; // the layer elements handed too many candidates go to
    for (std::uint32_t i = 0; i < ranges.size(); ++i) {
        const auto layers = static_cast<std::uint32_t>(members.size());
        bool covered = false;
        clash.assign(layers, false);
        for (std::uint32_t l = 0; l < layers; ++l) clash[l] = !has_room(members[l]);
        const bool all_seen =
            placed.for_each_near(ranges[i], kMaxCandidates, [&](std::uint32_t other) {
                if (inside(ranges[i], ranges[other])) covered = true;
                if (intersects(ranges[i], ranges[other])) clash[layer_of[other]] = true;
            });
        std::uint32_t layer = 0;
        if (!all_seen) {
            Spill verdict = spill == kNone ? Spill::clash : spill_check(ranges, members, i, spill);
            if (verdict == Spill::clash && layers > 0 && spill != layers - 1) {
                verdict = spill_check(ranges, members, i, layers - 1);
                if (verdict != Spill::clash) spill = layers - 1;
            }
            if (verdict == Spill::covered) continue;
            if (verdict == Spill::clash) spill = layers;
            layer = spill;
        } else if (covered) {
            continue;
        } else {
            layer = static_cast<std::uint32_t>(std::find(clash.begin(), clash.end(), false) -
                                               clash.begin());
        }
        if (layer == layers) members.emplace_back();
        members[layer].push_back(i);
        layer_of[i] = layer;
        placed.add(ranges[i], i);
    }
    std::vector<std::vector<ir::Element>> out(members.size());
    for (std::size_t l = 0; l < members.size(); ++l) {
        out[l].reserve(members[l].size());
        for (const auto i : members[l]) out[l].push_back(std::move(ranges[i]));
    }
    return out;
}

// A hash of a single value's key: the low ends of its intervals say it all.
std::size_t point_hash(const ir::Element& e) {
    std::uint64_t h = e.key.size();
    for (const ir::Interval& field : e.key) h = mix(h, field.lo);
    return h;
}

// A slot of unique_points' table: a kept point's hash and index.
struct PointSlot {
    std::size_t hash = 0;
    std::uint32_t kept = UINT32_MAX; // an index into the points kept; UINT32_MAX: empty
};

// unique_points' table for `points` points: twice as many slots, so probes
// stay short. Made apart so that a second thread can be handed it: that
// thread then allocates nothing (a thread's first allocations can take a
// page fault each).
std::vector<PointSlot> point_table(std::size_t points) {
    std::size_t slots = 16;
    while (slots < 2 * points) slots *= 2;
    return std::vector<PointSlot>(slots);
}

// Single values without repeats, in the order first written. Each point
// looks for an earlier one with its key in an open-addressing table of the
// points kept so far (`table`, from point_table, empty); keys are compared
// only where the hashes agree.
std::vector<ir::Element> unique_points(std::vector<ir::Element> points,
                                       std::vector<PointSlot>& table) {
    const std::size_t mask = table.size() - 1;
    std::uint32_t kept = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const std::size_t hash = point_hash(points[i]);
        for (std::size_t at = hash & mask;; at = (at + 1) & mask) {
            PointSlot& slot = table[at];
            if (slot.kept == UINT32_MAX) {
                slot = {hash, kept};
                if (kept != i) points[kept] = std::move(points[i]); // never onto itself
                ++kept;
                break;
            }
            if (slot.hash == hash && points[slot.kept].key == points[i].key) break; // a repeat
        }
    }
    points.resize(kept);
    return points;
}

} // namespace

KeyShape key_fields(const Flow& flow) {
    KeyShape key;
    const auto add = [&](ir::Field f) { key.fields[key.size++] = f; };
    if (const auto family = flow.family()) {
        add(family == IpFamily::v4 ? ir::Field::ip_saddr : ir::Field::ip6_saddr);
        add(family == IpFamily::v4 ? ir::Field::ip_daddr : ir::Field::ip6_daddr);
    }
    if (flow.protocol != Protocol::any) add(ir::Field::l4proto);
    if (!flow.ports.any()) add(ir::Field::th_dport);
    return key;
}

void add_elements(const Flow& flow, const KeyShape& key, std::string_view comment,
                  ir::OriginId origin, std::vector<ir::Element>& out) {
    const auto family = flow.family().value_or(IpFamily::v4); // unused without addresses
    const auto count = [](std::size_t n) { return std::max<std::size_t>(n, 1); };
    for (std::size_t s = 0; s < count(flow.source.items.size()); ++s)
        for (std::size_t d = 0; d < count(flow.destination.items.size()); ++d)
            for (std::size_t p = 0; p < count(flow.ports.ranges.size()); ++p) {
                ir::Element element{{}, comment, {}, origin};
                element.key.reserve(key.size);
                for (std::size_t f = 0; f < key.size; ++f) {
                    switch (key.fields[f]) {
                    case ir::Field::ip_saddr:
                    case ir::Field::ip6_saddr:
                        element.key.push_back(address_value(flow.source, s, family));
                        break;
                    case ir::Field::ip_daddr:
                    case ir::Field::ip6_daddr:
                        element.key.push_back(address_value(flow.destination, d, family));
                        break;
                    case ir::Field::l4proto:
                        element.key.push_back(
                            ir::interval_of_byte(ip_protocol_number(flow.protocol)));
                        break;
                    case ir::Field::th_dport:
                        element.key.push_back(ir::interval_of(flow.ports.ranges[p]));
                        break;
                    default:
                        break; // never part of a row's key
                    }
                }
                out.push_back(std::move(element));
            }
}

void move_ranges(std::vector<ir::Element>& points, std::size_t from,
                 std::vector<ir::Element>& ranges) {
    std::size_t kept = from;
    for (std::size_t i = from; i < points.size(); ++i) {
        if (!is_point(points[i])) {
            ranges.push_back(std::move(points[i]));
            continue;
        }
        if (kept != i) points[kept] = std::move(points[i]); // never onto itself
        ++kept;
    }
    points.resize(kept);
}

ElementGroups group_elements(std::vector<ir::Element> elements) {
    // Single values stay where they are (most elements are), ranges move out.
    std::vector<ir::Element> ranges;
    move_ranges(elements, 0, ranges);
    return group_elements(std::move(elements), std::move(ranges));
}

ElementGroups group_elements(std::vector<ir::Element> points, std::vector<ir::Element> ranges) {
    ElementGroups groups;
    std::vector<PointSlot> table = point_table(points.size());
    const auto make_unique = [&] { groups.points = unique_points(std::move(points), table); };
    const auto layer = [&] { groups.layers = layer_ranges(std::move(ranges)); };
    // The two share nothing: with many of each, the points are made unique on
    // a second thread, which allocates nothing, while the ranges are layered
    // here.
    if (points.size() >= kPointsForTwoThreads && ranges.size() >= kRangesForTwoThreads) {
        run_beside(layer, make_unique);
    } else {
        make_unique();
        layer();
    }
    return groups;
}

} // namespace phx::fw::detail

// SPDX-License-Identifier: GPL-3.0-or-later
// Set elements from flows, and their split into sets the kernel accepts.
#include "fwcompile/lower_detail.hpp"

#include <algorithm>
#include <set>

namespace phx::fw::detail {
namespace {

// The values one side of the flow takes: its entries, or every address of
// the flow's family when it is "any".
std::vector<ir::Interval> address_values(const AddressList& list, IpFamily family) {
    std::vector<ir::Interval> out;
    if (list.any()) {
        const IpAddress zero = family == IpFamily::v4 ? IpAddress{} : IpAddress{IpFamily::v6, {}};
        out.push_back(ir::interval_of(Cidr{zero, 0}));
        return out;
    }
    for (const auto& a : list.items) out.push_back(ir::interval_of(a.cidr));
    return out;
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

// Places a range element in the first layer it does not overlap. Linear in
// the ranges already placed; single values, the common case, never get here.
void place_range(ir::Element element, std::vector<std::vector<ir::Element>>& layers) {
    for (const auto& layer : layers)
        for (const auto& other : layer)
            if (inside(element, other)) return;
    for (auto& layer : layers) {
        const bool clash = std::any_of(layer.begin(), layer.end(), [&](const ir::Element& other) {
            return intersects(element, other);
        });
        if (!clash) {
            layer.push_back(std::move(element));
            return;
        }
    }
    layers.push_back({std::move(element)});
}

} // namespace

std::vector<ir::Field> key_fields(const Flow& flow) {
    std::vector<ir::Field> key;
    if (const auto family = flow.family()) {
        key.push_back(family == IpFamily::v4 ? ir::Field::ip_saddr : ir::Field::ip6_saddr);
        key.push_back(family == IpFamily::v4 ? ir::Field::ip_daddr : ir::Field::ip6_daddr);
    }
    if (flow.protocol != Protocol::any) key.push_back(ir::Field::l4proto);
    if (!flow.ports.any()) key.push_back(ir::Field::th_dport);
    return key;
}

void add_elements(const Flow& flow, const std::vector<ir::Field>& key, const std::string& comment,
                  ir::OriginId origin, std::vector<ir::Element>& out) {
    std::vector<std::vector<ir::Interval>> values;
    const auto family = flow.family();
    for (const auto field : key) {
        switch (field) {
        case ir::Field::ip_saddr:
        case ir::Field::ip6_saddr:
            values.push_back(address_values(flow.source, *family));
            break;
        case ir::Field::ip_daddr:
        case ir::Field::ip6_daddr:
            values.push_back(address_values(flow.destination, *family));
            break;
        case ir::Field::l4proto:
            values.push_back({ir::interval_of_byte(ip_protocol_number(flow.protocol))});
            break;
        case ir::Field::th_dport:
            values.emplace_back();
            for (const auto& r : flow.ports.ranges) values.back().push_back(ir::interval_of(r));
            break;
        case ir::Field::icmpv6_type:
            break; // never part of a row's key
        }
    }
    // The cross product, last field varying fastest.
    std::vector<std::size_t> at(values.size(), 0);
    while (true) {
        ir::Element element{{}, comment, {}, origin};
        for (std::size_t i = 0; i < values.size(); ++i) element.key.push_back(values[i][at[i]]);
        out.push_back(std::move(element));
        std::size_t i = values.size();
        while (i > 0 && ++at[i - 1] == values[i - 1].size()) at[--i] = 0;
        if (i == 0) return;
    }
}

ElementGroups group_elements(std::vector<ir::Element> elements) {
    ElementGroups groups;
    std::set<std::vector<ir::Interval>> seen;
    for (auto& element : elements) {
        if (!is_point(element)) {
            place_range(std::move(element), groups.layers);
        } else if (seen.insert(element.key).second) {
            groups.points.push_back(std::move(element));
        }
    }
    return groups;
}

} // namespace phx::fw::detail

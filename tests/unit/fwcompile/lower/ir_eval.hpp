// SPDX-License-Identifier: GPL-3.0-or-later
// A packet through a lowered chain, the way the kernel takes it: rule by
// rule, the first verdict wins, a set lookup finds the element that counts
// the packet. Tests compare it with first match over the rows (explain's
// decide_at), which knows nothing of runs, sets or rows moving up: any
// lowering step that changes a verdict, or pins a drop on another row,
// shows up as a difference.
#pragma once

#include "fwcompile/flow.hpp"
#include "fwcompile/ir.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace phx::fw::test {

// What decided: the rule's verdict, and the origin and comment of what
// counted the packet (the element for a set lookup, the rule otherwise).
struct IrDecision {
    ir::Verdict verdict = ir::Verdict::drop;
    ir::OriginId origin = ir::kNoOrigin;
    std::string comment;
    bool by_policy = true; // no rule decided: the chain's own policy
};

// The packet's value of a field; nullopt when the packet has no such field
// (ip saddr of an IPv6 packet, th dport of an ICMP one). A new connection
// crossing the inventory's bridge, in and out, never on loopback.
inline std::optional<ir::Value> field_value(ir::Field field, const Packet& p,
                                            std::string_view bridge) {
    ir::Value v;
    const auto address = [&](const IpAddress& a, IpFamily family) -> std::optional<ir::Value> {
        if (a.family != family) return std::nullopt;
        std::copy_n(a.bytes.begin(), a.size(), v.bytes.begin());
        return v;
    };
    switch (field) {
    case ir::Field::ip_saddr:
        return address(p.source, IpFamily::v4);
    case ir::Field::ip_daddr:
        return address(p.destination, IpFamily::v4);
    case ir::Field::ip6_saddr:
        return address(p.source, IpFamily::v6);
    case ir::Field::ip6_daddr:
        return address(p.destination, IpFamily::v6);
    case ir::Field::l4proto:
        v.bytes[0] = ip_protocol_number(p.protocol);
        return v;
    case ir::Field::th_dport:
        if (p.protocol != Protocol::tcp && p.protocol != Protocol::udp) return std::nullopt;
        v.bytes[0] = static_cast<std::uint8_t>(p.port >> 8);
        v.bytes[1] = static_cast<std::uint8_t>(p.port & 0xff);
        return v;
    case ir::Field::iifname:
    case ir::Field::oifname:
        std::copy(bridge.begin(), bridge.end(), v.bytes.begin());
        return v;
    default:
        return std::nullopt; // icmpv6 type, ports of the source, the bridge family's
    }
}

inline bool within(const ir::Interval& i, const ir::Value& v) {
    return !(v < i.lo) && !(i.hi < v);
}

// The element of `set` holding the key, if any.
inline const ir::Element* lookup(const ir::Set& set, const std::vector<ir::Value>& key) {
    for (const auto& e : set.elements) {
        bool hit = e.key.size() == key.size();
        for (std::size_t i = 0; hit && i < key.size(); ++i) hit = within(e.key[i], key[i]);
        if (hit) return &e;
    }
    return nullptr;
}

inline IrDecision evaluate(const ir::Chain& chain, const ir::Table& table, const Packet& p,
                           std::string_view bridge = "vmbr0") {
    for (const auto& rule : chain.rules) {
        ir::OriginId origin = rule.origin;
        std::string_view comment = rule.comment;
        bool hit = true;
        for (const auto& match : rule.matches) {
            if (const auto* ct = std::get_if<ir::CtStateMatch>(&match)) {
                hit = (ct->states & ir::kCtNew) != 0;
            } else if (std::holds_alternative<ir::InterfaceMatch>(match)) {
                hit = false; // loopback
            } else if (const auto* f = std::get_if<ir::FieldMatch>(&match)) {
                const auto v = field_value(f->field, p, bridge);
                hit = v && within(f->value, *v) != f->negate;
            } else {
                const auto& s = std::get<ir::SetMatch>(match);
                std::vector<ir::Value> key;
                for (const auto field : s.key)
                    if (const auto v = field_value(field, p, bridge)) key.push_back(*v);
                const ir::Set* set = table.find_set(s.set);
                const ir::Element* e =
                    key.size() == s.key.size() && set ? lookup(*set, key) : nullptr;
                hit = (e != nullptr) != s.negate;
                if (e && set->counter) {
                    origin = e->origin;
                    comment = e->comment;
                }
            }
            if (!hit) break;
        }
        if (hit && rule.verdict != ir::Verdict::none)
            return {rule.verdict, origin, std::string{comment}, false};
    }
    return {};
}

} // namespace phx::fw::test

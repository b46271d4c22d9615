// SPDX-License-Identifier: GPL-3.0-or-later
// The lookup walks the query name from the zone apex downwards, one hash
// lookup per label. Empty non-terminals are real nodes, so the first missing
// name ends the walk and the last node found is the closest encloser; the
// first node with NS below the apex is the zone cut.
#include "dnsd/lookup.hpp"

#include <algorithm>

namespace phx::dns {
namespace {

constexpr int kMaxCnameHops = 8;

enum class Found { exact, wildcard, empty_non_terminal, nxdomain, referral };

struct WalkResult {
    Found found = Found::nxdomain;
    const Node* node = nullptr; // exact/wildcard match, or the cut for a referral
    std::string_view cut;       // referral: the delegated name (lower case)
};

WalkResult walk(const Zone& zone, std::string_view name, RrType qtype) noexcept {
    std::array<std::uint8_t, 128> starts; // label offsets, leftmost first
    std::size_t labels = 0;
    for (std::size_t i = 0; i + zone.origin().size() < name.size();
         i += static_cast<std::uint8_t>(name[i]) + 1u)
        starts[labels++] = static_cast<std::uint8_t>(i);

    const Node* encloser = &zone.apex();
    std::string_view encloser_name = zone.origin();
    for (std::size_t k = labels; k-- > 0;) {
        const std::string_view suffix = name.substr(starts[k]);
        const Node* node = zone.find(suffix);
        if (!node) break;
        // A DS query for the cut itself is answered from the parent side (RFC 4035 §3.1.4.1).
        if (node->find(RrType::ns) && (k > 0 || qtype != RrType::ds))
            return {Found::referral, node, suffix};
        encloser = node;
        encloser_name = suffix;
        if (k == 0)
            return {
                node->empty_non_terminal() ? Found::empty_non_terminal : Found::exact, node, {}};
    }
    if (labels == 0) return {Found::exact, encloser, {}}; // the apex itself

    // RFC 4592 §3.3.1: the source of synthesis is "*." + closest encloser.
    std::array<char, kMaxNameLength + 2> wildcard;
    if (encloser_name.size() + 2 <= kMaxNameLength) {
        wildcard[0] = 1;
        wildcard[1] = '*';
        std::copy(encloser_name.begin(), encloser_name.end(), wildcard.begin() + 2);
        if (const Node* w = zone.find({wildcard.data(), encloser_name.size() + 2}))
            return {Found::wildcard, w, {}};
    }
    return {Found::nxdomain, nullptr, {}};
}

// The target name inside NS, MX and SRV rdata, which additional-section
// processing looks up (RFC 1035 §3.3.9, RFC 2782).
std::string_view target_of(const RrSet& set, std::string_view rdata) noexcept {
    std::size_t offset = 0;
    if (set.type == RrType::mx) offset = 2;
    if (set.type == RrType::srv) offset = 6;
    if (rdata.size() <= offset) return {};
    return rdata.substr(offset);
}

void add_addresses(const Zone& zone, std::string_view target, bool required, Plan& plan) noexcept {
    wire::Name lowered;
    auto parsed = wire::Name::from_wire(wire::bytes_of(target));
    if (!parsed) return;
    lowered = *parsed;
    lowered.to_lower();
    if (!wire::is_subdomain(lowered.view(), zone.origin())) return;
    const Node* node = zone.find(lowered.view());
    if (!node) return;
    for (const RrType type : {RrType::a, RrType::aaaa}) {
        const RrSet* set = node->find(type);
        if (!set) continue;
        const bool seen = std::any_of(plan.additional.begin(), plan.additional.end(),
                                      [&](const PlannedRrset& p) { return p.rrset == set; });
        if (!seen) plan.additional.push({set, target, false, set->ttl, required});
    }
}

void add_negative_soa(const Zone& zone, Plan& plan) noexcept {
    plan.authority.push({&zone.soa(), zone.apex().owner, false, zone.negative_ttl(), true});
}

void add_referral(const Zone& zone, const WalkResult& cut, Plan& plan) noexcept {
    const RrSet* ns = cut.node->find(RrType::ns);
    plan.authority.push({ns, cut.node->owner, false, ns->ttl, true});
    for (const auto& rdata : ns->rdata) {
        // Glue below the cut is needed to follow the referral at all (RFC 9471).
        wire::Name target;
        if (auto parsed = wire::Name::from_wire(wire::bytes_of(rdata))) target = *parsed;
        target.to_lower();
        add_addresses(zone, rdata, wire::is_subdomain(target.view(), cut.cut), plan);
    }
}

// Positive answer or NODATA at a node that exists and holds data.
void answer_from_node(const Zone& zone, const Node& node, std::string_view owner,
                      bool owner_is_qname, RrType qtype, bool all_of_any, Plan& plan) noexcept {
    if (qtype == RrType::any) {
        for (const auto& set : node.rrsets) {
            plan.answer.push({&set, owner, owner_is_qname, set.ttl, true});
            if (!all_of_any) break;
        }
        return;
    }
    const RrSet* set = node.find(qtype);
    if (!set) {
        add_negative_soa(zone, plan);
        return;
    }
    plan.answer.push({set, owner, owner_is_qname, set->ttl, true});
    if (qtype == RrType::ns || qtype == RrType::mx || qtype == RrType::srv)
        for (const auto& rdata : set->rdata)
            add_addresses(zone, target_of(*set, rdata), false, plan);
}

} // namespace

void plan_answer(const Zone& zone, const wire::Name& qname_lower, RrType qtype, bool all_of_any,
                 Plan& plan) noexcept {
    wire::Name name = qname_lower;
    std::string_view owner; // empty while the owner is the question name
    for (int hop = 0;; ++hop) {
        const WalkResult result = walk(zone, name.view(), qtype);
        switch (result.found) {
        case Found::nxdomain:
            plan.rcode = Rcode::nxdomain; // after a CNAME too (RFC 6604 §2.1)
            add_negative_soa(zone, plan);
            return;
        case Found::empty_non_terminal:
            add_negative_soa(zone, plan);
            return;
        case Found::referral:
            if (hop == 0) plan.authoritative = false;
            add_referral(zone, result, plan);
            return;
        case Found::exact:
        case Found::wildcard:
            break;
        }
        const Node& node = *result.node;
        const bool owner_is_qname = owner.empty();
        const RrSet* cname = node.find(RrType::cname);
        if (!cname || qtype == RrType::cname || qtype == RrType::any) {
            answer_from_node(zone, node, owner, owner_is_qname, qtype, all_of_any, plan);
            return;
        }
        // RFC 1034 §4.3.2 step 3a: add the CNAME and restart at its target,
        // as long as the target is in this zone and the chain is not a loop.
        const bool looped = std::any_of(plan.answer.begin(), plan.answer.end(),
                                        [&](const PlannedRrset& p) { return p.rrset == cname; });
        if (looped) return;
        plan.answer.push({cname, owner, owner_is_qname, cname->ttl, true});
        const std::string_view target = cname->rdata.front();
        auto next = wire::Name::from_wire(wire::bytes_of(target));
        if (!next || hop + 1 >= kMaxCnameHops) return;
        next->to_lower();
        if (!wire::is_subdomain(next->view(), zone.origin())) return;
        name = *next;
        owner = target;
    }
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// IR matches -> nf_tables expressions, mirroring nft 1.0's linearisation so
// that `nft list` prints phx-fw's rules exactly as `phx-fw show` does, and a
// table loaded with `nft -f` from that text decodes the same way.
#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/handles.hpp"
#include "fwcompile/netlink/registers.hpp"

#include <arpa/inet.h>
#include <array>
#include <cstring>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <netinet/in.h>
#include <optional>

namespace phx::fw::netlink {
namespace {

class Expressions {
public:
    explicit Expressions(nftnl_rule* rule) : rule_{rule} {}

    void meta(std::uint32_t key, std::uint32_t dreg) {
        ExprPtr e = make("meta");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_KEY, key);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_META_DREG, dreg);
        add(std::move(e));
    }
    void payload(const PayloadField& f, std::uint32_t length, std::uint32_t dreg) {
        ExprPtr e = make("payload");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_BASE, f.base);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_OFFSET, f.offset);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_LEN, length);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_PAYLOAD_DREG, dreg);
        add(std::move(e));
    }
    void cmp(std::uint32_t op, const void* data, std::uint32_t length) {
        ExprPtr e = make("cmp");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CMP_OP, op);
        nftnl_expr_set(e.get(), NFTNL_EXPR_CMP_DATA, data, length);
        add(std::move(e));
    }
    void bitwise(const void* mask, std::uint32_t length) {
        const std::array<std::uint8_t, 16> zero{};
        ExprPtr e = make("bitwise");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BITWISE_LEN, length);
        nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_MASK, mask, length);
        nftnl_expr_set(e.get(), NFTNL_EXPR_BITWISE_XOR, zero.data(), length);
        add(std::move(e));
    }
    // nft converts host-order fields of an interval key to network order; for
    // the one-byte protocol that changes no bit, but nft emits it and so do we.
    void hton(std::uint32_t reg) {
        ExprPtr e = make("byteorder");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_SREG, reg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_DREG, reg);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_LEN, 1);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_BYTEORDER_SIZE, 2);
        add(std::move(e));
    }
    void ct_state() {
        ExprPtr e = make("ct");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_CT_DREG, NFT_REG_1);
        add(std::move(e));
    }
    void lookup(const std::string& set, std::uint32_t id, bool inverted) {
        ExprPtr e = make("lookup");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOOKUP_SET, set.c_str());
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_SET_ID, id);
        if (inverted) nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
        add(std::move(e));
    }
    void limit(const ir::Limit& l) {
        ExprPtr e = make("limit");
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_RATE, l.per_second);
        nftnl_expr_set_u64(e.get(), NFTNL_EXPR_LIMIT_UNIT, 1); // seconds
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_BURST, l.burst);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_LIMIT_FLAGS, 0);
        add(std::move(e));
    }
    void log(const ir::Log& l) {
        ExprPtr e = make("log");
        nftnl_expr_set_str(e.get(), NFTNL_EXPR_LOG_PREFIX, l.prefix.c_str());
        nftnl_expr_set_u16(e.get(), NFTNL_EXPR_LOG_GROUP, l.group);
        add(std::move(e));
    }
    // A counter starts at the values given (a restored snapshot's), else at zero.
    void counter(const ir::Counter& start) {
        ExprPtr e = make("counter");
        if (start.packets != 0) nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_PACKETS, start.packets);
        if (start.bytes != 0) nftnl_expr_set_u64(e.get(), NFTNL_EXPR_CTR_BYTES, start.bytes);
        add(std::move(e));
    }
    void verdict(std::int32_t code) {
        ExprPtr e = make("immediate");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_IMM_VERDICT, static_cast<std::uint32_t>(code));
        add(std::move(e));
    }
    void reject(std::uint32_t type, std::uint8_t code) {
        ExprPtr e = make("reject");
        nftnl_expr_set_u32(e.get(), NFTNL_EXPR_REJECT_TYPE, type);
        nftnl_expr_set_u8(e.get(), NFTNL_EXPR_REJECT_CODE, code);
        add(std::move(e));
    }

private:
    static ExprPtr make(const char* name) { return ExprPtr{checked(nftnl_expr_alloc(name))}; }
    void add(ExprPtr e) { nftnl_rule_add_expr(rule_, e.release()); } // the rule owns it now
    nftnl_rule* rule_;
};

// What a field needs the packet to be before its payload means anything.
enum class Needs : std::uint8_t { nothing, ipv4, ipv6, arp, icmpv6 };

Needs needs_of(ir::Field field) {
    switch (field) {
    case ir::Field::ip_saddr:
    case ir::Field::ip_daddr:
        return Needs::ipv4;
    case ir::Field::ip6_saddr:
    case ir::Field::ip6_daddr:
        return Needs::ipv6;
    case ir::Field::icmpv6_type:
        return Needs::icmpv6;
    case ir::Field::arp_spa:
        return Needs::arp;
    default:
        return Needs::nothing;
    }
}

// What one match needs: its first field that needs a network protocol.
Needs match_needs(const ir::Match& match) {
    if (const auto* f = std::get_if<ir::FieldMatch>(&match)) return needs_of(f->field);
    if (const auto* s = std::get_if<ir::SetMatch>(&match))
        for (const auto field : s->key)
            if (needs_of(field) != Needs::nothing) return needs_of(field);
    return Needs::nothing;
}

// What the match at `i` needs. "meta l4proto ipv6-icmp" before an ICMPv6
// type is that type's own dependency, and nft checks the network protocol
// before it.
Needs needs_from(const std::vector<ir::Match>& matches, std::size_t i) {
    const auto* f = std::get_if<ir::FieldMatch>(&matches[i]);
    if (f && f->field == ir::Field::l4proto && f->value.lo.bytes[0] == IPPROTO_ICMPV6)
        for (std::size_t j = i + 1; j < matches.size(); ++j)
            if (match_needs(matches[j]) == Needs::icmpv6) return Needs::icmpv6;
    return match_needs(matches[i]);
}

// The check nft puts right before the first match that needs it, so that
// `nft -f` of phx-fw's text makes the same expressions: meta nfproto in the inet family; in the
// bridge family meta protocol for IPv4 and IPv6 addresses, but the Ethernet type for ARP and ICMPv6
// (nft 1.0's choices).
void dependency(Needs needs, ir::Family family, Expressions& x) {
    if (needs == Needs::nothing) return;
    if (family == ir::Family::inet) {
        const std::uint8_t nfproto = needs == Needs::ipv4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
        x.meta(NFT_META_NFPROTO, NFT_REG_1);
        x.cmp(NFT_CMP_EQ, &nfproto, 1);
        return;
    }
    const std::uint16_t type = htons(needs == Needs::ipv4  ? ETH_P_IP
                                     : needs == Needs::arp ? ETH_P_ARP
                                                           : ETH_P_IPV6);
    if (needs == Needs::ipv4 || needs == Needs::ipv6)
        x.meta(NFT_META_PROTOCOL, NFT_REG_1);
    else
        x.payload({NFT_PAYLOAD_LL_HEADER, 12}, 2, NFT_REG_1);
    x.cmp(NFT_CMP_EQ, &type, 2);
}

// Loads a field into `reg`: a meta key or a payload location.
void load(ir::Field field, std::uint32_t length, std::uint32_t reg, Expressions& x) {
    if (const auto key = meta_key(field))
        x.meta(*key, reg);
    else
        x.payload(payload_field(field), length, reg);
}

// A payload comparison: a point, a prefix, or a range.
void field_match(const ir::FieldMatch& m, Expressions& x) {
    const std::uint32_t length = ir::info(ir::info(m.field).type).length;
    if (meta_key(m.field)) {
        load(m.field, length, NFT_REG_1, x);
        x.cmp(m.negate ? NFT_CMP_NEQ : NFT_CMP_EQ, m.value.lo.bytes.data(), length);
        return;
    }
    if (m.negate) {
        x.payload(payload_field(m.field), length, NFT_REG_1);
        x.cmp(NFT_CMP_NEQ, m.value.lo.bytes.data(), length);
        return;
    }
    const PayloadField& where = payload_field(m.field);
    const int prefix = m.value.point() ? -1 : ir::prefix_length(m.value, length * 8);
    if (prefix > 0 && prefix % 8 == 0) {
        // Byte-aligned prefixes load and compare only the leading bytes.
        const auto bytes = static_cast<std::uint32_t>(prefix / 8);
        x.payload(where, bytes, NFT_REG_1);
        x.cmp(NFT_CMP_EQ, m.value.lo.bytes.data(), bytes);
    } else if (prefix > 0) {
        ir::Value mask;
        for (int bit = 0; bit < prefix; ++bit)
            mask.bytes[static_cast<std::size_t>(bit / 8)] |=
                static_cast<std::uint8_t>(0x80u >> (bit % 8));
        x.payload(where, length, NFT_REG_1);
        x.bitwise(mask.bytes.data(), length);
        x.cmp(NFT_CMP_EQ, m.value.lo.bytes.data(), length);
    } else {
        x.payload(where, length, NFT_REG_1);
        x.cmp(m.value.point() ? NFT_CMP_EQ : NFT_CMP_GTE, m.value.lo.bytes.data(), length);
        if (!m.value.point()) x.cmp(NFT_CMP_LTE, m.value.hi.bytes.data(), length);
    }
}

// The key fields loaded into consecutive 32-bit registers, then one lookup.
void set_match(const ir::SetMatch& m, const ir::Table& table, const SetIds& ids, Expressions& x) {
    const ir::Set* set = table.find_set(m.set);
    if (!set) throw std::logic_error("rule refers to a set the table does not have: " + m.set);
    std::uint32_t slot = 0;
    for (const auto field : m.key) {
        const std::uint32_t length = ir::info(ir::info(field).type).length;
        const std::uint32_t reg = register_for_slot(slot);
        load(field, length, reg, x);
        if (field == ir::Field::l4proto && set->interval && m.key.size() > 1) x.hton(reg);
        slot += (length + 3) / 4;
    }
    x.lookup(wire_set_name(*set), ids.at(m.set), m.negate);
}

void verdict(ir::Verdict v, Expressions& x) {
    switch (v) {
    case ir::Verdict::accept:
        x.verdict(NF_ACCEPT);
        break;
    case ir::Verdict::drop:
        x.verdict(NF_DROP);
        break;
    case ir::Verdict::reject_tcp_reset:
        x.reject(NFT_REJECT_TCP_RST, 0);
        break;
    case ir::Verdict::reject_icmp:
        x.reject(NFT_REJECT_ICMP_UNREACH, kIcmpPortUnreachable);
        break;
    case ir::Verdict::reject_icmpv6:
        x.reject(NFT_REJECT_ICMP_UNREACH, kIcmpv6PortUnreachable);
        break;
    case ir::Verdict::reject_icmpx:
        x.reject(NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_PORT_UNREACH);
        break;
    case ir::Verdict::none:
        break;
    }
}

} // namespace

void encode_expressions(const ir::Rule& rule, const ir::Table& table, const SetIds& ids,
                        nftnl_rule* out) {
    Expressions x{out};
    bool depended = false;
    for (std::size_t i = 0; i < rule.matches.size(); ++i) {
        const ir::Match& match = rule.matches[i];
        if (const Needs needs = needs_from(rule.matches, i); needs != Needs::nothing && !depended) {
            dependency(needs, table.family, x);
            depended = true;
        }
        if (const auto* ct = std::get_if<ir::CtStateMatch>(&match)) {
            const std::uint32_t zero = 0;
            x.ct_state();
            x.bitwise(&ct->states, 4);
            x.cmp(NFT_CMP_NEQ, &zero, 4);
        } else if (const auto* iface = std::get_if<ir::InterfaceMatch>(&match)) {
            x.meta(iface->input ? NFT_META_IIF : NFT_META_OIF, NFT_REG_1);
            x.cmp(NFT_CMP_EQ, &iface->index, 4);
        } else if (const auto* f = std::get_if<ir::FieldMatch>(&match)) {
            field_match(*f, x);
        } else {
            set_match(std::get<ir::SetMatch>(match), table, ids, x);
        }
    }
    if (rule.limit) x.limit(*rule.limit);
    if (rule.log) x.log(*rule.log);
    if (rule.counter) x.counter(rule.counts);
    verdict(rule.verdict, x);
}

} // namespace phx::fw::netlink

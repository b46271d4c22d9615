// SPDX-License-Identifier: GPL-3.0-or-later
// Rule expressions -> IR matches. A small register machine: loads remember
// what they put into which 32-bit slot; comparisons and lookups consume them.
// A rule decodes only if every load is consumed and it ends in a verdict.
#include "fwcompile/netlink/decode.hpp"
#include "fwcompile/netlink/handles.hpp"
#include "fwcompile/netlink/registers.hpp"

#include <array>
#include <cstring>
#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <map>
#include <net/if.h>

namespace phx::fw::netlink {
namespace {

struct Load {
    // nfproto (inet) and protocol / ether_type (bridge) only say which
    // network header the rule reads; meta is a field the kernel keeps beside
    // the packet (l4proto, the interface names); payload is in the packet.
    enum class Kind { nfproto, protocol, ether_type, meta, iif, oif, ct_state, payload } kind;
    ir::Field field = ir::Field::l4proto; // for meta and payload
    std::uint32_t length = 0;
    std::optional<ir::Value> mask; // a bitwise AND applied after loading
};

std::string interface_name(std::uint32_t index) {
    std::array<char, IF_NAMESIZE> name{};
    if (if_indextoname(index, name.data())) return name.data();
    return fmt::format("ifindex {}", index);
}

std::optional<ir::Value> data_value(nftnl_expr* e, std::uint16_t attribute, std::uint32_t& length) {
    const void* data = nftnl_expr_get(e, attribute, &length);
    if (!data || length > 16) return std::nullopt;
    ir::Value v;
    std::memcpy(v.bytes.data(), data, length);
    return v;
}

std::uint32_t u32(nftnl_expr* e, std::uint16_t attribute) {
    return nftnl_expr_get_u32(e, attribute);
}

class RuleDecoder {
public:
    RuleDecoder(ir::Rule& rule, ir::Family family) : rule_{rule}, family_{family} {}

    bool add(nftnl_expr* e) {
        const std::string name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        if (name == "meta") return meta(e);
        if (name == "payload") return payload(e);
        if (name == "ct") return ct(e);
        if (name == "bitwise") return bitwise(e);
        if (name == "byteorder") return byteorder(e);
        if (name == "cmp") return cmp(e);
        if (name == "range") return range(e);
        if (name == "lookup") return lookup(e);
        if (name == "counter") return counter(e);
        if (name == "immediate") return immediate(e);
        if (name == "reject") return reject(e);
        if (name == "limit") return limit(e);
        if (name == "log") return log(e);
        return false;
    }
    // A rule without a verdict goes on to the next: phx-fw makes such rules
    // only to log.
    [[nodiscard]] bool complete() const { return slots_.empty() && (verdict_seen_ || rule_.log); }

private:
    // A load overwrites whatever the slots it spans held before.
    bool store(std::uint32_t reg, Load load) {
        const auto slot = slot_of_register(reg);
        if (!slot) return false;
        slots_.erase(slots_.lower_bound(*slot), slots_.lower_bound(*slot + (load.length + 3) / 4));
        slots_[*slot] = load;
        return true;
    }
    Load* loaded(std::uint32_t reg) {
        const auto slot = slot_of_register(reg);
        if (!slot) return nullptr;
        auto it = slots_.find(*slot);
        return it == slots_.end() ? nullptr : &it->second;
    }
    void consume(std::uint32_t reg) {
        if (const auto slot = slot_of_register(reg)) slots_.erase(*slot);
    }

    bool meta(nftnl_expr* e) {
        const std::uint32_t key = u32(e, NFTNL_EXPR_META_KEY);
        Load load{Load::Kind::meta, ir::Field::l4proto, 1, {}};
        if (key == NFT_META_NFPROTO && family_ == ir::Family::inet) {
            load.kind = Load::Kind::nfproto;
        } else if (key == NFT_META_PROTOCOL && family_ == ir::Family::bridge) {
            load = {Load::Kind::protocol, {}, 2, {}};
        } else if (key == NFT_META_IIF || key == NFT_META_OIF) {
            load = {key == NFT_META_IIF ? Load::Kind::iif : Load::Kind::oif, {}, 4, {}};
        } else if (const auto field = meta_field(key)) {
            load = {Load::Kind::meta, *field, ir::info(ir::info(*field).type).length, {}};
        } else {
            return false;
        }
        return store(u32(e, NFTNL_EXPR_META_DREG), load);
    }
    bool payload(nftnl_expr* e) {
        const std::uint32_t base = u32(e, NFTNL_EXPR_PAYLOAD_BASE);
        const std::uint32_t offset = u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
        const std::uint32_t length = u32(e, NFTNL_EXPR_PAYLOAD_LEN);
        const std::uint32_t dreg = u32(e, NFTNL_EXPR_PAYLOAD_DREG);
        if (family_ == ir::Family::bridge && base == NFT_PAYLOAD_LL_HEADER && offset == 12 &&
            length == 2)
            return store(dreg, {Load::Kind::ether_type, {}, 2, {}});
        const auto field = field_at(base, offset, length, layer3_);
        if (!field || length == 0 || length > ir::info(ir::info(*field).type).length) return false;
        return store(dreg, {Load::Kind::payload, *field, length, {}});
    }
    bool ct(nftnl_expr* e) {
        if (u32(e, NFTNL_EXPR_CT_KEY) != NFT_CT_STATE) return false;
        return store(u32(e, NFTNL_EXPR_CT_DREG), {Load::Kind::ct_state, {}, 4, {}});
    }
    bool bitwise(nftnl_expr* e) {
        const std::uint32_t reg = u32(e, NFTNL_EXPR_BITWISE_SREG);
        Load* load = loaded(reg);
        std::uint32_t mask_length = 0, xor_length = 0;
        auto mask = data_value(e, NFTNL_EXPR_BITWISE_MASK, mask_length);
        auto xor_value = data_value(e, NFTNL_EXPR_BITWISE_XOR, xor_length);
        if (!load || reg != u32(e, NFTNL_EXPR_BITWISE_DREG) || !mask || !xor_value ||
            *xor_value != ir::Value{} || mask_length != load->length)
            return false;
        load->mask = mask;
        return true;
    }
    bool byteorder(nftnl_expr* e) {
        // Only the one nft puts on a protocol inside an interval key.
        const Load* load = loaded(u32(e, NFTNL_EXPR_BYTEORDER_SREG));
        return load && load->kind == Load::Kind::meta && load->field == ir::Field::l4proto &&
               u32(e, NFTNL_EXPR_BYTEORDER_SREG) == u32(e, NFTNL_EXPR_BYTEORDER_DREG);
    }

    bool cmp(nftnl_expr* e) {
        const std::uint32_t reg = u32(e, NFTNL_EXPR_CMP_SREG);
        const Load* load = loaded(reg);
        std::uint32_t length = 0;
        auto data = data_value(e, NFTNL_EXPR_CMP_DATA, length);
        if (!load || !data || length != load->length) return false;
        const Load l = *load;
        const std::uint32_t op = u32(e, NFTNL_EXPR_CMP_OP);
        if (l.kind == Load::Kind::payload && (op == NFT_CMP_GTE || op == NFT_CMP_LTE))
            return bound(l, op, *data, reg);
        consume(reg);
        if (l.kind == Load::Kind::payload && op == NFT_CMP_NEQ && !l.mask &&
            l.length == ir::info(ir::info(l.field).type).length) {
            rule_.matches.push_back(ir::FieldMatch{l.field, {*data, *data}, true});
            return true;
        }
        if (l.kind == Load::Kind::payload) return op == NFT_CMP_EQ && equal(l, *data);
        return compare(l, op, *data);
    }

    // A comparison on something other than packet payload.
    bool compare(const Load& l, std::uint32_t op, const ir::Value& data) {
        std::uint32_t word = 0;
        std::memcpy(&word, data.bytes.data(), 4);
        switch (l.kind) {
        case Load::Kind::nfproto:
            nfproto_ = data.bytes[0];
            layer3_ = layer3_of_nfproto(data.bytes[0]);
            return op == NFT_CMP_EQ && layer3_ != Layer3::unknown;
        case Load::Kind::protocol:
        case Load::Kind::ether_type: {
            std::uint16_t type = 0;
            std::memcpy(&type, data.bytes.data(), 2);
            layer3_ = layer3_of_ethertype(type);
            // Which check nft makes for which protocol (encode_expr.cpp):
            // a table written otherwise does not read back as phx-fw's.
            const bool by_meta = l.kind == Load::Kind::protocol;
            const bool expected = (layer3_ == Layer3::arp && !by_meta) ||
                                  (layer3_ == Layer3::ipv4 && by_meta) || (layer3_ == Layer3::ipv6);
            return op == NFT_CMP_EQ && layer3_ != Layer3::unknown && expected;
        }
        case Load::Kind::meta:
            rule_.matches.push_back(ir::FieldMatch{l.field, {data, data}, op == NFT_CMP_NEQ});
            return op == NFT_CMP_EQ || op == NFT_CMP_NEQ;
        case Load::Kind::iif:
        case Load::Kind::oif:
            rule_.matches.push_back(
                ir::InterfaceMatch{l.kind == Load::Kind::iif, word, interface_name(word)});
            return op == NFT_CMP_EQ;
        case Load::Kind::ct_state: {
            std::uint32_t states = 0;
            if (l.mask) std::memcpy(&states, l.mask->bytes.data(), 4);
            rule_.matches.push_back(ir::CtStateMatch{states});
            return op == NFT_CMP_NEQ && word == 0 && l.mask;
        }
        case Load::Kind::payload:
            break;
        }
        return false;
    }

    // ip saddr 10.0.0.0/24 arrives as a 3-byte load, 10.0.0.0/23 as a masked
    // 4-byte load; a plain full-length load is one address.
    bool equal(const Load& l, const ir::Value& data) {
        const unsigned bits = ir::info(ir::info(l.field).type).length * 8u;
        unsigned prefix = l.length * 8;
        if (l.mask) {
            prefix = 0;
            while (prefix < bits && (l.mask->bytes[prefix / 8] >> (7 - prefix % 8) & 1u)) ++prefix;
        }
        ir::Interval value{data, data};
        for (unsigned bit = prefix; bit < bits; ++bit) {
            value.lo.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
            value.hi.bytes[bit / 8] |= static_cast<std::uint8_t>(0x80u >> (bit % 8));
        }
        if (ir::prefix_length(value, bits) != static_cast<int>(prefix))
            return false; // a mask with holes
        rule_.matches.push_back(ir::FieldMatch{l.field, value});
        return true;
    }
    // A range is "cmp gte lo" followed by "cmp lte hi" on the same load.
    bool bound(const Load& l, std::uint32_t op, const ir::Value& data, std::uint32_t reg) {
        if (l.mask || l.length != ir::info(ir::info(l.field).type).length) return false;
        if (op == NFT_CMP_GTE) {
            if (range_start_) return false;
            range_start_ = data;
            return true;
        }
        if (!range_start_) return false;
        rule_.matches.push_back(ir::FieldMatch{l.field, {*range_start_, data}});
        range_start_.reset();
        consume(reg);
        return true;
    }
    bool range(nftnl_expr* e) {
        const std::uint32_t reg = u32(e, NFTNL_EXPR_RANGE_SREG);
        const Load* load = loaded(reg);
        std::uint32_t from_length = 0, to_length = 0;
        auto from = data_value(e, NFTNL_EXPR_RANGE_FROM_DATA, from_length);
        auto to = data_value(e, NFTNL_EXPR_RANGE_TO_DATA, to_length);
        if (!load || load->kind != Load::Kind::payload || !from || !to ||
            u32(e, NFTNL_EXPR_RANGE_OP) != NFT_RANGE_EQ)
            return false;
        rule_.matches.push_back(ir::FieldMatch{load->field, {*from, *to}});
        consume(reg);
        return true;
    }

    bool lookup(nftnl_expr* e) {
        const std::uint32_t flags =
            nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS) ? u32(e, NFTNL_EXPR_LOOKUP_FLAGS) : 0;
        if ((flags & ~static_cast<std::uint32_t>(NFT_LOOKUP_F_INV)) != 0) return false;
        auto slot = slot_of_register(u32(e, NFTNL_EXPR_LOOKUP_SREG));
        if (!slot) return false;
        ir::SetMatch match{
            {}, nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), (flags & NFT_LOOKUP_F_INV) != 0};
        for (auto it = slots_.find(*slot); it != slots_.end(); it = slots_.find(*slot)) {
            const Load& l = it->second;
            if ((l.kind != Load::Kind::payload && l.kind != Load::Kind::meta) || l.mask)
                return false;
            match.key.push_back(l.field);
            *slot += (l.length + 3) / 4;
            slots_.erase(it);
        }
        if (match.key.empty()) return false;
        rule_.matches.push_back(std::move(match));
        return true;
    }
    bool counter(nftnl_expr* e) {
        rule_.counter = true;
        rule_.counts = {nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS),
                        nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES)};
        return true;
    }
    bool limit(nftnl_expr* e) {
        if (rule_.limit || rule_.log || nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT) != 1 ||
            u32(e, NFTNL_EXPR_LIMIT_TYPE) != NFT_LIMIT_PKTS ||
            (nftnl_expr_is_set(e, NFTNL_EXPR_LIMIT_FLAGS) && u32(e, NFTNL_EXPR_LIMIT_FLAGS) != 0))
            return false;
        rule_.limit =
            ir::Limit{nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), u32(e, NFTNL_EXPR_LIMIT_BURST)};
        return true;
    }
    bool log(nftnl_expr* e) {
        if (rule_.log || !nftnl_expr_is_set(e, NFTNL_EXPR_LOG_GROUP)) return false;
        for (const auto attribute : {NFTNL_EXPR_LOG_LEVEL, NFTNL_EXPR_LOG_FLAGS})
            if (nftnl_expr_is_set(e, attribute)) return false;
        const char* prefix = nftnl_expr_is_set(e, NFTNL_EXPR_LOG_PREFIX)
                                 ? nftnl_expr_get_str(e, NFTNL_EXPR_LOG_PREFIX)
                                 : "";
        rule_.log = ir::Log{prefix, nftnl_expr_get_u16(e, NFTNL_EXPR_LOG_GROUP)};
        return true;
    }
    bool immediate(nftnl_expr* e) {
        if (u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT || verdict_seen_) return false;
        const auto code = static_cast<std::int32_t>(u32(e, NFTNL_EXPR_IMM_VERDICT));
        if (code != NF_ACCEPT && code != NF_DROP) return false;
        rule_.verdict = code == NF_ACCEPT ? ir::Verdict::accept : ir::Verdict::drop;
        return verdict_seen_ = true;
    }
    bool reject(nftnl_expr* e) {
        const std::uint32_t type = u32(e, NFTNL_EXPR_REJECT_TYPE);
        const std::uint8_t code = nftnl_expr_get_u8(e, NFTNL_EXPR_REJECT_CODE);
        if (type == NFT_REJECT_TCP_RST)
            rule_.verdict = ir::Verdict::reject_tcp_reset;
        else if (type == NFT_REJECT_ICMPX_UNREACH && code == NFT_REJECT_ICMPX_PORT_UNREACH)
            rule_.verdict = ir::Verdict::reject_icmpx;
        else if (type == NFT_REJECT_ICMP_UNREACH && code == kIcmpPortUnreachable &&
                 nfproto_ == NFPROTO_IPV4)
            rule_.verdict = ir::Verdict::reject_icmp;
        else if (type == NFT_REJECT_ICMP_UNREACH && code == kIcmpv6PortUnreachable &&
                 nfproto_ == NFPROTO_IPV6)
            rule_.verdict = ir::Verdict::reject_icmpv6;
        else
            return false;
        return !verdict_seen_ && (verdict_seen_ = true);
    }

    ir::Rule& rule_;
    ir::Family family_;
    std::map<std::uint32_t, Load> slots_;
    std::uint8_t nfproto_ = 0;
    Layer3 layer3_ = Layer3::unknown;
    std::optional<ir::Value> range_start_;
    bool verdict_seen_ = false;
};

int decode_expression(nftnl_expr* e, void* data) {
    return static_cast<RuleDecoder*>(data)->add(e) ? 0 : -1;
}

std::string rule_dump(nftnl_rule* r) {
    std::array<char, 4096> text{};
    nftnl_rule_snprintf(text.data(), text.size(), r, NFTNL_OUTPUT_DEFAULT, 0);
    std::string out = text.data();
    for (auto& c : out)
        if (c == '\n') c = ' ';
    return out;
}

} // namespace

ir::Rule decode_rule(nftnl_rule* r, ir::Family family) {
    ir::Rule rule;
    rule.counter = false;
    rule.verdict = ir::Verdict::none;
    if (nftnl_rule_is_set(r, NFTNL_RULE_USERDATA)) {
        std::uint32_t length = 0;
        const void* data = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &length);
        rule.comment = comment_of(data, length);
    }
    RuleDecoder decoder{rule, family};
    if (nftnl_expr_foreach(r, decode_expression, &decoder) < 0 || !decoder.complete()) {
        ir::Rule opaque;
        opaque.comment = rule.comment;
        opaque.undecoded = rule_dump(r);
        return opaque;
    }
    return rule;
}

} // namespace phx::fw::netlink

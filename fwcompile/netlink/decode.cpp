// SPDX-License-Identifier: GPL-3.0-or-later
// Chains, sets and set elements read back from the kernel; see decode.hpp.
#include "fwcompile/netlink/decode.hpp"

#include "fwcompile/netlink/handles.hpp"

#include <cstring>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>

namespace phx::fw::netlink {
namespace {

std::optional<ir::Type> type_of_id(std::uint32_t id) {
    for (const auto type :
         {ir::Type::ipv4_addr, ir::Type::ipv6_addr, ir::Type::inet_proto, ir::Type::inet_service,
          ir::Type::icmpv6_type, ir::Type::ifname, ir::Type::ether_addr})
        if (ir::info(type).id == id) return type;
    return std::nullopt;
}

// nft packs a concatenation's datatypes six bits each, first field highest.
std::optional<std::vector<ir::Type>> key_types(std::uint32_t key_type, std::uint32_t key_length) {
    std::vector<ir::Type> types;
    for (std::uint32_t v = key_type; v != 0; v >>= 6) {
        auto type = type_of_id(v & 63u);
        if (!type) return std::nullopt;
        types.insert(types.begin(), *type);
    }
    if (types.empty()) return std::nullopt;
    std::uint32_t length = 0;
    for (const auto t : types)
        length += types.size() > 1 ? (ir::info(t).length + 3u) / 4 * 4 : ir::info(t).length;
    if (length != key_length) return std::nullopt;
    return types;
}

std::optional<ir::Value> value_at(const std::uint8_t* data, std::uint32_t size,
                                  std::uint32_t offset, std::uint32_t length) {
    if (offset + length > size || length > 16) return std::nullopt;
    ir::Value v;
    std::memcpy(v.bytes.data(), data + offset, length);
    return v;
}

int read_counter(nftnl_expr* e, void* data) {
    if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") == 0) {
        auto* c = static_cast<ir::Counter*>(data);
        c->packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
        c->bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
    }
    return 0;
}

int note_counter(nftnl_expr* e, void* data) {
    if (std::strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "counter") == 0)
        *static_cast<bool*>(data) = true;
    return 0;
}

std::optional<ir::Element> decode_element(nftnl_set_elem* e, const ir::Set& set, TextArena& texts) {
    std::uint32_t size = 0;
    const auto* key =
        static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &size));
    std::uint32_t end_size = 0;
    const auto* end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)
                          ? static_cast<const std::uint8_t*>(
                                nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY_END, &end_size))
                          : key;
    if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END)) end_size = size;
    ir::Element element;
    std::uint32_t offset = 0;
    for (const auto type : set.key) {
        const std::uint32_t length = ir::info(type).length;
        auto lo = value_at(key, size, offset, length);
        auto hi = value_at(end, end_size, offset, length);
        if (!lo || !hi) return std::nullopt;
        element.key.push_back({*lo, *hi});
        offset += set.key.size() > 1 ? (length + 3) / 4 * 4 : length;
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
        std::uint32_t length = 0;
        const void* data = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &length);
        element.comment = texts.keep(comment_of(data, length));
    }
    nftnl_set_elem_expr_foreach(e, read_counter, &element.counter);
    return element;
}

// The walk's state: the set filled, the arena its comments go to.
struct ElementSink {
    ir::Set* set;
    TextArena* texts;
};

int add_element(nftnl_set_elem* e, void* data) {
    auto* sink = static_cast<ElementSink*>(data);
    auto element = decode_element(e, *sink->set, *sink->texts);
    if (!element) return -1; // stops the walk
    sink->set->elements.push_back(std::move(*element));
    return 0;
}

std::optional<ir::Hook> hook_of(std::uint32_t number, ir::Family family) {
    if (family == ir::Family::bridge)
        return number == NF_BR_PRE_ROUTING ? std::optional{ir::Hook::prerouting} : std::nullopt;
    switch (number) {
    case NF_INET_LOCAL_IN:
        return ir::Hook::input;
    case NF_INET_FORWARD:
        return ir::Hook::forward;
    case NF_INET_LOCAL_OUT:
        return ir::Hook::output;
    default:
        return std::nullopt;
    }
}

} // namespace

std::string comment_of(const void* data, std::uint32_t length) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    std::uint32_t at = 0;
    while (at + 2 <= length) {
        const std::uint8_t type = bytes[at];
        const std::uint8_t size = bytes[at + 1];
        if (at + 2 + size > length) break;
        if (type == 0) {
            const char* text = reinterpret_cast<const char*>(bytes + at + 2);
            return std::string(text, strnlen(text, size));
        }
        at += 2u + size;
    }
    return {};
}

std::optional<ir::Chain> decode_chain(nftnl_chain* c, ir::Family family) {
    if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) || !nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE))
        return std::nullopt;
    const auto hook = hook_of(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), family);
    if (!hook || std::strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter") != 0)
        return std::nullopt;
    ir::Chain chain;
    chain.name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
    chain.hook = *hook;
    chain.priority = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
    chain.policy_drop = nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
    return chain;
}

std::optional<ir::Set> decode_set(nftnl_set* s, TextArena& texts) {
    ir::Set set;
    set.name = nftnl_set_get_str(s, NFTNL_SET_NAME);
    const std::uint32_t flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
    set.anonymous = (flags & NFT_SET_ANONYMOUS) != 0;
    set.interval = (flags & NFT_SET_INTERVAL) != 0;
    auto key = key_types(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE),
                         nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN));
    // One-field interval sets store ranges as start and end markers, a form
    // phx-fw never creates: not decoded.
    if (!key || (set.interval && key->size() == 1) || (flags & NFT_SET_MAP)) return std::nullopt;
    set.key = std::move(*key);
    nftnl_set_expr_foreach(s, note_counter, &set.counter);
    ElementSink sink{&set, &texts};
    if (nftnl_set_elem_foreach(s, add_element, &sink) < 0) return std::nullopt;
    return set;
}

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// Tables, chains, sets, elements and rules as nf_tables messages.
#include "fwcompile/netlink/encode.hpp"

#include "fwcompile/model.hpp"

#include <arpa/inet.h>
#include <cstring>
#include <endian.h>
#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter_bridge.h>
#include <stdexcept>
#include <string_view>

namespace phx::fw::netlink {
namespace {

constexpr std::uint32_t kTypeBits = 6;      // nft packs concatenated datatypes 6 bits each
constexpr std::uint32_t kConcatTypeId = 13; // nft's EXPR_CONCAT, recorded for `nft list`
constexpr std::uint32_t kHostEndian = 1;    // nft's BYTEORDER_HOST_ENDIAN
constexpr std::uint32_t kBigEndian = 2;     // nft's BYTEORDER_BIG_ENDIAN

std::uint32_t register_bytes(std::uint32_t length) {
    return (length + 3) / 4 * 4;
}

bool concatenated(const ir::Set& set) {
    return set.key.size() > 1;
}

std::uint32_t key_type(const ir::Set& set) {
    std::uint32_t id = 0;
    for (const auto type : set.key) id = id << kTypeBits | ir::info(type).id;
    return id;
}

std::string table_what(ir::Family family) {
    return fmt::format("table {} {}", ir::to_string(family), ir::kTableName);
}

// `comment`, if any, goes into the table's user data as nft writes it.
void put_table_message(Batch& batch, ir::Family family, std::uint16_t type, std::uint16_t flags,
                       const std::string& comment = {}) {
    TablePtr table{checked(nftnl_table_alloc())};
    nftnl_table_set_str(table.get(), NFTNL_TABLE_NAME, std::string{ir::kTableName}.c_str());
    nftnl_table_set_u32(table.get(), NFTNL_TABLE_FAMILY, nfproto(family));
    const std::string tlv = comment_user_data(comment);
    if (!tlv.empty())
        nftnl_table_set_data(table.get(), NFTNL_TABLE_USERDATA, tlv.data(),
                             static_cast<std::uint32_t>(tlv.size()));
    nftnl_table_nlmsg_build_payload(batch.start(type, nfproto(family), flags), table.get());
    batch.finish({0, table_what(family), {}, nullptr});
}

std::uint32_t hook_number(ir::Hook hook) {
    switch (hook) {
    case ir::Hook::input:
        return NF_INET_LOCAL_IN;
    case ir::Hook::forward:
        return NF_INET_FORWARD;
    case ir::Hook::output:
        return NF_INET_LOCAL_OUT;
    case ir::Hook::prerouting:
        return NF_BR_PRE_ROUTING;
    }
    return NF_INET_LOCAL_IN;
}

void put_chain(const ir::Chain& chain, ir::Family family, Batch& batch) {
    ChainPtr c{checked(nftnl_chain_alloc())};
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, std::string{ir::kTableName}.c_str());
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, chain.name.c_str());
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, nfproto(family));
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, hook_number(chain.hook));
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, chain.priority);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, chain.policy_drop ? NF_DROP : NF_ACCEPT);
    nftnl_chain_nlmsg_build_payload(batch.start(NFT_MSG_NEWCHAIN, nfproto(family), NLM_F_CREATE),
                                    c.get());
    batch.finish({0, fmt::format("chain {}", chain.name), {}, nullptr});
}

// What nft records in a set's user data so `nft list` prints its type:
// the key's byte order and, for concatenations, a typeof marker.
UdataPtr set_user_data_buffer(const ir::Set& set) {
    UdataPtr data{checked(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN))};
    // Strings (interface names) are host-endian to nft; a name set marked
    // big-endian would be listed byte-swapped, as "".
    const std::uint32_t order = concatenated(set)                     ? 0
                                : set.key.front() == ir::Type::ifname ? kHostEndian
                                                                      : kBigEndian;
    nftnl_udata_put_u32(data.get(), NFTNL_UDATA_SET_KEYBYTEORDER, order);
    if (concatenated(set)) {
        auto* typeof_key = nftnl_udata_nest_start(data.get(), NFTNL_UDATA_SET_KEY_TYPEOF);
        nftnl_udata_put_u32(data.get(), NFTNL_UDATA_SET_TYPEOF_EXPR, kConcatTypeId);
        nftnl_udata_nest_end(data.get(),
                             nftnl_udata_nest_start(data.get(), NFTNL_UDATA_SET_TYPEOF_DATA));
        nftnl_udata_nest_end(data.get(), typeof_key);
    }
    return data;
}

void put_set(const ir::Set& set, const ir::Table* table, std::uint32_t id, Batch& batch) {
    const ir::Family family = table->family;
    SetPtr s{checked(nftnl_set_alloc())};
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, std::string{ir::kTableName}.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, wire_set_name(set).c_str());
    nftnl_set_set_u32(s.get(), NFTNL_SET_FAMILY, nfproto(family));
    nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, set_flags(set));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, key_type(set));
    nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, key_length(set));
    nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    if (const auto size = ir::declared_size(set); size > 0)
        nftnl_set_set_u32(s.get(), NFTNL_SET_DESC_SIZE, size);
    if (set.interval && concatenated(set)) {
        // pipapo needs each field's length to split the key.
        std::vector<std::uint8_t> lengths;
        for (const auto type : set.key) lengths.push_back(ir::info(type).length);
        nftnl_set_set_data(s.get(), NFTNL_SET_DESC_CONCAT, lengths.data(),
                           static_cast<std::uint32_t>(lengths.size()));
    }
    const std::string data = set_user_data(set);
    nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, data.data(),
                       static_cast<std::uint32_t>(data.size()));
    if (set.counter)
        nftnl_set_set_data(s.get(), NFTNL_SET_EXPR, checked(nftnl_expr_alloc("counter")),
                           0); // set owns it
    nftnl_set_nlmsg_build_payload(batch.start(NFT_MSG_NEWSET, nfproto(family), NLM_F_CREATE),
                                  s.get());
    batch.finish({set.origin, fmt::format("set {}", set.name), {}, table});
}

bool put_data(nlmsghdr* nlh, std::uint16_t type, std::string_view bytes) {
    nlattr* nest = mnl_attr_nest_start_check(nlh, Batch::kMaxMessage, type);
    if (!nest) return false;
    if (!mnl_attr_put_check(nlh, Batch::kMaxMessage, NFTA_DATA_VALUE, bytes.size(), bytes.data())) {
        mnl_attr_nest_cancel(nlh, nest);
        return false;
    }
    mnl_attr_nest_end(nlh, nest);
    return true;
}

// An element's own counter starting at the given values (a restored
// snapshot's). Without it the kernel gives the element a copy of the set's
// counter, at zero. Written as libnftnl writes an expression.
bool put_counter(nlmsghdr* nlh, const ir::Counter& start) {
    constexpr auto kMax = Batch::kMaxMessage;
    nlattr* expr = mnl_attr_nest_start_check(nlh, kMax, NFTA_SET_ELEM_EXPR);
    if (!expr) return false;
    nlattr* data = nullptr;
    const bool ok = mnl_attr_put_strz_check(nlh, kMax, NFTA_EXPR_NAME, "counter") &&
                    (data = mnl_attr_nest_start_check(nlh, kMax, NFTA_EXPR_DATA)) != nullptr &&
                    mnl_attr_put_u64_check(nlh, kMax, NFTA_COUNTER_BYTES, htobe64(start.bytes)) &&
                    mnl_attr_put_u64_check(nlh, kMax, NFTA_COUNTER_PACKETS, htobe64(start.packets));
    if (!ok) {
        mnl_attr_nest_cancel(nlh, expr);
        return false;
    }
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, expr);
    return true;
}

// One TLV, type NFTNL_UDATA_RULE_COMMENT / _SET_ELEM_COMMENT (both 0),
// NUL-terminated, written to `out` (comment.size() + 3 bytes).
void write_comment_tlv(std::string_view comment, char* out) {
    out[0] = 0;
    out[1] = static_cast<char>(comment.size() + 1);
    std::memcpy(out + 2, comment.data(), comment.size());
    out[2 + comment.size()] = '\0';
}

// The comment's user data as an attribute, without an allocation when it
// fits the longest comment a row may have: a large policy has tens of
// thousands of elements.
bool put_comment(nlmsghdr* nlh, std::uint16_t type, std::string_view comment) {
    if (comment.size() > kMaxCommentBytes) {
        const std::string tlv = comment_user_data(comment);
        return mnl_attr_put_check(nlh, Batch::kMaxMessage, type, tlv.size(), tlv.data());
    }
    std::array<char, kMaxCommentBytes + 3> tlv;
    write_comment_tlv(comment, tlv.data());
    return mnl_attr_put_check(nlh, Batch::kMaxMessage, type, comment.size() + 3, tlv.data());
}

// One NFTA_LIST_ELEM; false (and nothing written) when the message is full.
bool put_element(nlmsghdr* nlh, const ir::Set& set, const ir::Element& e) {
    nlattr* nest = mnl_attr_nest_start_check(nlh, Batch::kMaxMessage, NFTA_LIST_ELEM);
    if (!nest) return false;
    KeyBuffer key;
    bool ok = put_data(nlh, NFTA_SET_ELEM_KEY, {key.data(), write_key(set, e, false, key)});
    if (ok && set.interval && concatenated(set))
        ok = put_data(nlh, NFTA_SET_ELEM_KEY_END, {key.data(), write_key(set, e, true, key)});
    if (ok && !e.comment.empty()) ok = put_comment(nlh, NFTA_SET_ELEM_USERDATA, e.comment);
    if (ok && set.counter && (e.counter.packets != 0 || e.counter.bytes != 0))
        ok = put_counter(nlh, e.counter);
    if (!ok) {
        mnl_attr_nest_cancel(nlh, nest);
        return false;
    }
    mnl_attr_nest_end(nlh, nest);
    return true;
}

// An element's key and comment live apart from it (a heap block, the rule
// set's text arena), and a large set's are out of the cache when it is
// encoded: asked for a few elements ahead, they are there when needed
// (mixed 50k "built" 10.0 -> 8.6 ms, project 50k 5.0 -> 4.6).
constexpr std::size_t kPrefetchElements = 8;

void prefetch_element(const std::vector<ir::Element>& elements, std::size_t i) noexcept {
    if (i >= elements.size()) return;
    __builtin_prefetch(elements[i].key.data());
    __builtin_prefetch(elements[i].comment.data());
}

// As many elements as fit into one message, from `next`; returns the next
// element still to send.
std::size_t put_element_message(const ir::Set& set, const ir::Table* table, std::uint32_t id,
                                std::size_t next, Batch& batch) {
    nlmsghdr* nlh = batch.start(NFT_MSG_NEWSETELEM, nfproto(table->family), NLM_F_CREATE);
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, std::string{ir::kTableName}.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, wire_set_name(set).c_str());
    mnl_attr_put_u32(nlh, NFTA_SET_ELEM_LIST_SET_ID, htonl(id));
    MessageOrigin origin{set.origin, fmt::format("elements of set {}", set.name), {}, table};
    nlattr* list = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    for (; next < set.elements.size(); ++next) {
        prefetch_element(set.elements, next + kPrefetchElements);
        const auto offset = nlh->nlmsg_len;
        if (!put_element(nlh, set, set.elements[next])) break;
        origin.parts.emplace_back(offset, set.elements[next].origin);
    }
    if (origin.parts.empty())
        throw std::length_error("a set element does not fit into a netlink message");
    mnl_attr_nest_end(nlh, list);
    batch.finish(std::move(origin));
    return next;
}

void put_rule(const ir::Rule& rule, const ir::Chain& chain, const ir::Table& table,
              const SetIds& ids, Batch& batch) {
    RulePtr r{checked(nftnl_rule_alloc())};
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, std::string{ir::kTableName}.c_str());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.name.c_str());
    nftnl_rule_set_u32(r.get(), NFTNL_RULE_FAMILY, nfproto(table.family));
    encode_expressions(rule, table, ids, r.get());
    if (!rule.comment.empty()) {
        const std::string tlv = comment_user_data(rule.comment);
        nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA, tlv.data(),
                            static_cast<std::uint32_t>(tlv.size()));
    }
    // NLM_F_APPEND: without it the kernel inserts at the head of the chain.
    nlmsghdr* nlh =
        batch.start(NFT_MSG_NEWRULE, nfproto(table.family), NLM_F_CREATE | NLM_F_APPEND);
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
    batch.finish({rule.origin, fmt::format("rule in chain {}", chain.name), {}, &table});
}

} // namespace

std::uint32_t key_length(const ir::Set& set) {
    if (!concatenated(set)) return ir::info(set.key.front()).length;
    std::uint32_t total = 0;
    for (const auto type : set.key) total += register_bytes(ir::info(type).length);
    return total;
}

std::uint32_t set_flags(const ir::Set& set) {
    std::uint32_t flags = 0;
    if (set.anonymous) flags |= NFT_SET_ANONYMOUS | NFT_SET_CONSTANT;
    if (set.interval) flags |= NFT_SET_INTERVAL;
    if (set.interval && concatenated(set)) flags |= NFT_SET_CONCAT;
    return flags;
}

std::string set_user_data(const ir::Set& set) {
    const UdataPtr data = set_user_data_buffer(set);
    return {static_cast<const char*>(nftnl_udata_buf_data(data.get())),
            nftnl_udata_buf_len(data.get())};
}

std::string comment_user_data(std::string_view comment) {
    if (comment.empty()) return {};
    std::string tlv(comment.size() + 3, '\0');
    write_comment_tlv(comment, tlv.data());
    return tlv;
}

std::string wire_set_name(const ir::Set& set) {
    return set.anonymous ? "__set%d" : set.name;
}

namespace {

// A value's first `length` bytes. The lengths the key types have are
// spelled out: a copy of a size known at compile time is a move or two,
// one known only at run time a call into the C library, and a large
// policy's elements take some 150,000 of them.
void copy_value(char* to, const ir::Value& v, std::uint32_t length) {
    switch (length) {
    case 1:
        std::memcpy(to, v.bytes.data(), 1);
        return;
    case 2:
        std::memcpy(to, v.bytes.data(), 2);
        return;
    case 4:
        std::memcpy(to, v.bytes.data(), 4);
        return;
    case 16:
        std::memcpy(to, v.bytes.data(), 16);
        return;
    default:
        std::memcpy(to, v.bytes.data(), length);
    }
}

} // namespace

std::size_t write_key(const ir::Set& set, const ir::Element& element, bool end, KeyBuffer& out) {
    const bool padded = concatenated(set);
    out.fill(0); // a field's padding, written once for all
    std::size_t size = 0;
    for (std::size_t i = 0; i < set.key.size(); ++i) {
        const ir::Value& v = end ? element.key[i].hi : element.key[i].lo;
        const std::uint32_t length = ir::info(set.key[i]).length;
        const std::uint32_t field = padded ? register_bytes(length) : length;
        if (size + field > out.size()) throw std::length_error("a set key is longer than 64 bytes");
        copy_value(out.data() + size, v, length);
        size += field;
    }
    return size;
}

std::string key_bytes(const ir::Set& set, const ir::Element& element, bool end) {
    KeyBuffer key;
    return {key.data(), write_key(set, element, end, key)};
}

std::uint8_t nfproto(ir::Family family) {
    return family == ir::Family::bridge ? NFPROTO_BRIDGE : NFPROTO_INET;
}

void encode_table(const ir::Table& table, Batch& batch, SetIds& ids) {
    put_table_message(batch, table.family, NFT_MSG_NEWTABLE, NLM_F_CREATE, table.comment);
    for (const auto& chain : table.chains) put_chain(chain, table.family, batch);
    SetIds own; // the rules refer to this table's sets; ids are unique in the batch
    for (const auto& set : table.sets) {
        const auto id = static_cast<std::uint32_t>(ids.size() + 1);
        ids.emplace(fmt::format("{}/{}", ir::to_string(table.family), set.name), id);
        own.emplace(set.name, id);
        put_set(set, &table, id, batch);
        for (std::size_t next = 0; next < set.elements.size();)
            next = put_element_message(set, &table, id, next, batch);
    }
    for (const auto& chain : table.chains)
        for (const auto& rule : chain.rules) put_rule(rule, chain, table, own, batch);
}

void encode_replace(const ir::Table& table, Batch& batch) {
    encode_flush(table.family, batch);
    SetIds ids;
    encode_table(table, batch, ids);
}

void encode_replace(const ir::Ruleset& ruleset, Batch& batch) {
    for (const auto family : ir::kFamilies) encode_flush(family, batch);
    SetIds ids;
    for (const auto& table : ruleset.tables) encode_table(table, batch, ids);
}

void encode_flush(ir::Family family, Batch& batch) {
    // Creating the table first makes the delete valid whether or not it
    // existed; both happen in the same transaction.
    put_table_message(batch, family, NFT_MSG_NEWTABLE, NLM_F_CREATE);
    put_table_message(batch, family, NFT_MSG_DELTABLE, 0);
}

void encode_flush_all(Batch& batch) {
    for (const auto family : ir::kFamilies) encode_flush(family, batch);
}

} // namespace phx::fw::netlink

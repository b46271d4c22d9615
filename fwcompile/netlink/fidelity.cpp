// SPDX-License-Identifier: GPL-3.0-or-later
// The exact-restore checks; see fidelity.hpp. Attributes the kernel assigns
// itself (handles, use counts, set ids, rule positions) are not compared: a
// restored table gets new ones, and `nft list` does not show them.
#include "fwcompile/netlink/fidelity.hpp"

#include "fwcompile/netlink/decode.hpp"
#include "fwcompile/netlink/handles.hpp"
#include "fwcompile/nft_text.hpp"

#include <array>
#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

namespace phx::fw::netlink {
namespace {

std::string bytes(const void* data, std::uint32_t length) {
    if (!data) return {};
    return {static_cast<const char*>(data), length};
}

std::string expression_text(nftnl_expr* e) {
    std::array<char, 1024> text{};
    nftnl_expr_snprintf(text.data(), text.size(), e, NFTNL_OUTPUT_DEFAULT, 0);
    return fmt::format("[ {} {}]", nftnl_expr_get_str(e, NFTNL_EXPR_NAME), text.data());
}

int add_expression_text(nftnl_expr* e, void* data) {
    static_cast<std::vector<std::string>*>(data)->push_back(expression_text(e));
    return 0;
}

// The kernel reports a lookup's flags even when they are 0, which is what
// leaving them out means; written out on both sides, the two print alike.
int zero_lookup_flags(nftnl_expr* e, void*) {
    if (std::string_view{nftnl_expr_get_str(e, NFTNL_EXPR_NAME)} == "lookup" &&
        !nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_FLAGS))
        nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS, 0);
    return 0;
}

int add_expression_name(nftnl_expr* e, void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(
        nftnl_expr_get_str(e, NFTNL_EXPR_NAME));
    return 0;
}

// Counters are the only per-element state phx-fw makes.
std::vector<std::string> expected_expressions(const ir::Set& set) {
    if (set.counter) return {"counter"};
    return {};
}

std::string element_name(const ir::Set& set, const ir::Element& e) {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < e.key.size() && i < set.key.size(); ++i)
        parts.push_back(value_text(set.key[i], e.key[i]));
    return fmt::format("element {} of set {}", fmt::join(parts, " . "), set.name);
}

struct ElementWalk {
    const ir::Set* set;
    std::size_t next = 0;
    Problems* out;
};

void check_element(nftnl_set_elem* raw, const ir::Set& set, const ir::Element& e, Problems& out) {
    const std::string name = element_name(set, e);
    std::uint32_t length = 0;
    nftnl_set_elem_get(raw, NFTNL_SET_ELEM_KEY, &length);
    const bool ranged = set.interval && set.key.size() > 1;
    std::uint32_t end_length = 0;
    if (nftnl_set_elem_is_set(raw, NFTNL_SET_ELEM_KEY_END))
        nftnl_set_elem_get(raw, NFTNL_SET_ELEM_KEY_END, &end_length);
    if (length != key_length(set) || (ranged && end_length != length) ||
        (!ranged && nftnl_set_elem_is_set(raw, NFTNL_SET_ELEM_KEY_END)))
        out.push_back(name + ": its key is not laid out as phx-fw writes keys");
    if (nftnl_set_elem_is_set(raw, NFTNL_SET_ELEM_FLAGS) &&
        nftnl_set_elem_get_u32(raw, NFTNL_SET_ELEM_FLAGS) != 0)
        out.push_back(name + ": it has element flags (an interval end marker)");
    for (const auto attribute :
         {NFTNL_SET_ELEM_TIMEOUT, NFTNL_SET_ELEM_EXPIRATION, NFTNL_SET_ELEM_DATA,
          NFTNL_SET_ELEM_VERDICT, NFTNL_SET_ELEM_CHAIN, NFTNL_SET_ELEM_OBJREF})
        if (nftnl_set_elem_is_set(raw, attribute))
            out.push_back(name + ": it has a timeout or data (phx-fw makes neither)");
    std::uint32_t data_length = 0;
    const void* data = nftnl_set_elem_is_set(raw, NFTNL_SET_ELEM_USERDATA)
                           ? nftnl_set_elem_get(raw, NFTNL_SET_ELEM_USERDATA, &data_length)
                           : nullptr;
    if (bytes(data, data_length) != comment_user_data(e.comment))
        out.push_back(name + ": its user data is more than a comment");
    std::vector<std::string> names;
    nftnl_set_elem_expr_foreach(raw, add_expression_name, &names);
    if (names != expected_expressions(set))
        out.push_back(fmt::format("{}: it has expressions {{{}}} where phx-fw would make {{{}}}",
                                  name, fmt::join(names, ", "),
                                  fmt::join(expected_expressions(set), ", ")));
}

int check_element_at(nftnl_set_elem* raw, void* data) {
    auto* walk = static_cast<ElementWalk*>(data);
    if (walk->next >= walk->set->elements.size()) {
        walk->out->push_back(
            fmt::format("set {}: more elements than phx-fw decoded", walk->set->name));
        return -1;
    }
    check_element(raw, *walk->set, walk->set->elements[walk->next++], *walk->out);
    return 0;
}

void check_set_attributes(nftnl_set* raw, const ir::Set& set, Problems& out) {
    const std::string name = fmt::format("set {}", set.name);
    if (nftnl_set_get_u32(raw, NFTNL_SET_FLAGS) != set_flags(set))
        out.push_back(fmt::format("{}: its flags 0x{:x} are not the ones phx-fw gives it (0x{:x})",
                                  name, nftnl_set_get_u32(raw, NFTNL_SET_FLAGS), set_flags(set)));
    for (const auto attribute : {NFTNL_SET_DATA_TYPE, NFTNL_SET_DATA_LEN, NFTNL_SET_OBJ_TYPE,
                                 NFTNL_SET_POLICY, NFTNL_SET_TIMEOUT, NFTNL_SET_GC_INTERVAL})
        if (nftnl_set_is_set(raw, attribute))
            out.push_back(name + ": it has data, a timeout or a policy (phx-fw sets none)");
    const std::uint32_t size = nftnl_set_is_set(raw, NFTNL_SET_DESC_SIZE)
                                   ? nftnl_set_get_u32(raw, NFTNL_SET_DESC_SIZE)
                                   : 0;
    if (size != ir::declared_size(set))
        out.push_back(name + ": its declared size is not the one phx-fw gives it");
    std::string fields; // pipapo's field lengths, sent for interval concatenations only
    if (set.interval && set.key.size() > 1)
        for (const auto type : set.key) fields.push_back(static_cast<char>(ir::info(type).length));
    std::uint32_t length = 0;
    const void* data = nftnl_set_is_set(raw, NFTNL_SET_DESC_CONCAT)
                           ? nftnl_set_get_data(raw, NFTNL_SET_DESC_CONCAT, &length)
                           : nullptr;
    if (bytes(data, length) != fields)
        out.push_back(name + ": its field lengths are not the ones phx-fw gives it");
    data = nftnl_set_is_set(raw, NFTNL_SET_USERDATA)
               ? nftnl_set_get_data(raw, NFTNL_SET_USERDATA, &length)
               : nullptr;
    if (bytes(data, length) != set_user_data(set))
        out.push_back(name + ": its user data is not what phx-fw writes (was it loaded with nft?)");
    std::vector<std::string> names;
    nftnl_set_expr_foreach(raw, add_expression_name, &names);
    if (names != expected_expressions(set))
        out.push_back(fmt::format("{}: it has expressions {{{}}} where phx-fw would make {{{}}}",
                                  name, fmt::join(names, ", "),
                                  fmt::join(expected_expressions(set), ", ")));
}

std::string rule_name(const ir::Rule& rule, const std::string& chain) {
    if (rule.comment.empty()) return fmt::format("a rule in chain {}", chain);
    return fmt::format("the rule \"{}\" in chain {}", rule.comment, chain);
}

// A lookup in a set the table does not hold cannot be encoded again.
bool sets_known(const ir::Rule& rule, const ir::Table& table) {
    for (const auto& match : rule.matches)
        if (const auto* s = std::get_if<ir::SetMatch>(&match); s && !table.find_set(s->set))
            return false;
    return true;
}

} // namespace

void check_table(const nftnl_table* raw, Problems& out) {
    const std::string name = fmt::format(
        "table {} phx",
        nftnl_table_get_u32(raw, NFTNL_TABLE_FAMILY) == NFPROTO_BRIDGE ? "bridge" : "inet");
    if (nftnl_table_is_set(raw, NFTNL_TABLE_FLAGS) &&
        nftnl_table_get_u32(raw, NFTNL_TABLE_FLAGS) != 0)
        out.push_back(fmt::format("{} has flags 0x{:x} (dormant or owned)", name,
                                  nftnl_table_get_u32(raw, NFTNL_TABLE_FLAGS)));
    if (!nftnl_table_is_set(raw, NFTNL_TABLE_USERDATA)) return;
    std::uint32_t length = 0;
    const void* data = nftnl_table_get_data(raw, NFTNL_TABLE_USERDATA, &length);
    if (bytes(data, length) != comment_user_data(comment_of(data, length)))
        out.push_back(name + "'s user data is more than a comment");
}

void check_chain(const nftnl_chain* raw, const ir::Chain& decoded, Problems& out) {
    const std::string name = fmt::format("chain {}", decoded.name);
    if (nftnl_chain_is_set(raw, NFTNL_CHAIN_USERDATA)) out.push_back(name + " has a comment");
    if (nftnl_chain_is_set(raw, NFTNL_CHAIN_DEV) || nftnl_chain_is_set(raw, NFTNL_CHAIN_DEVICES))
        out.push_back(name + " is bound to devices");
    if (nftnl_chain_is_set(raw, NFTNL_CHAIN_PACKETS) || nftnl_chain_is_set(raw, NFTNL_CHAIN_BYTES))
        out.push_back(name + " has chain counters");
    if (nftnl_chain_is_set(raw, NFTNL_CHAIN_FLAGS) &&
        (nftnl_chain_get_u32(raw, NFTNL_CHAIN_FLAGS) & ~std::uint32_t{NFT_CHAIN_BASE}) != 0)
        out.push_back(name + " has chain flags (hardware offload)");
    const std::uint32_t policy = nftnl_chain_get_u32(raw, NFTNL_CHAIN_POLICY);
    if (policy != NF_DROP && policy != NF_ACCEPT)
        out.push_back(fmt::format("{} has policy {}", name, policy));
}

void check_set(nftnl_set* raw, const ir::Set& decoded, Problems& out) {
    check_set_attributes(raw, decoded, out);
    ElementWalk walk{&decoded, 0, &out};
    if (nftnl_set_elem_foreach(raw, check_element_at, &walk) == 0 &&
        walk.next != decoded.elements.size())
        out.push_back(fmt::format("set {}: fewer elements than phx-fw decoded", decoded.name));
}

ir::Table rule_check_table(const ir::Table& decoded, SetIds& ids) {
    ir::Table table = decoded;
    ids.clear();
    for (auto& set : table.sets) {
        set.anonymous = false; // the encoder then names it as the kernel did
        ids.emplace(set.name, static_cast<std::uint32_t>(ids.size() + 1));
    }
    return table;
}

void check_rule(nftnl_rule* raw, const ir::Rule& decoded, const std::string& chain,
                const ir::Table& table, const SetIds& ids, Problems& out) {
    const std::string name = rule_name(decoded, chain);
    if (!decoded.undecoded.empty()) {
        out.push_back(fmt::format("{}: phx-fw cannot decode it: {}", name, decoded.undecoded));
        return;
    }
    if (!sets_known(decoded, table)) {
        out.push_back(name + ": it looks up a set phx-fw cannot read back");
        return;
    }
    if (nftnl_rule_is_set(raw, NFTNL_RULE_COMPAT_PROTO) ||
        nftnl_rule_is_set(raw, NFTNL_RULE_COMPAT_FLAGS))
        out.push_back(name + ": it carries iptables-nft compatibility data");
    std::uint32_t length = 0;
    const void* data = nftnl_rule_is_set(raw, NFTNL_RULE_USERDATA)
                           ? nftnl_rule_get_data(raw, NFTNL_RULE_USERDATA, &length)
                           : nullptr;
    if (bytes(data, length) != comment_user_data(decoded.comment))
        out.push_back(name + ": its user data is more than a comment");
    RulePtr again{checked(nftnl_rule_alloc())};
    encode_expressions(decoded, table, ids, again.get());
    nftnl_expr_foreach(raw, zero_lookup_flags, nullptr);
    nftnl_expr_foreach(again.get(), zero_lookup_flags, nullptr);
    std::vector<std::string> held, written;
    nftnl_expr_foreach(raw, add_expression_text, &held);
    nftnl_expr_foreach(again.get(), add_expression_text, &written);
    if (held != written)
        out.push_back(fmt::format("{}: phx-fw would write it back differently: the kernel holds "
                                  "{}, phx-fw would write {}",
                                  name, fmt::join(held, " "), fmt::join(written, " ")));
}

} // namespace phx::fw::netlink

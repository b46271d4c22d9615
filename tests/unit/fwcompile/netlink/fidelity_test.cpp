// SPDX-License-Identifier: GPL-3.0-or-later
// What `apply --confirm` relies on, without a kernel: the exact-restore
// checks accept what phx-fw writes and name what it would lose, and a
// restored table's counters travel in the batch.
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/netlink/batch.hpp"
#include "fwcompile/netlink/decode.hpp"
#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/fidelity.hpp"
#include "fwcompile/netlink/handles.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <arpa/inet.h> // before the linux/ headers, which would redefine in_addr
#include <doctest/doctest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

using namespace phx;
using namespace phx::fw;
using namespace phx::fw::netlink;

namespace {

ir::Table spec_table() {
    Diagnostics diag;
    const auto rules = load_rules(PHX_SOURCE_DIR "/rules/phoenix.toml", diag);
    REQUIRE_MESSAGE(rules, diag.to_string());
    return lower_inet(*rules, Target{});
}

ChainPtr base_chain() {
    ChainPtr c{checked(nftnl_chain_alloc())};
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, "phx");
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, "input");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
    nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, 0);
    nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, "filter");
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, NF_DROP);
    nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_FLAGS, NFT_CHAIN_BASE);
    return c;
}

Problems chain_problems(nftnl_chain* c) {
    Problems out;
    const auto chain = decode_chain(c, ir::Family::inet);
    REQUIRE(chain);
    check_chain(c, *chain, out);
    return out;
}

// `rule` as the kernel would hold it: its expressions and comment, with the
// set names the table gives them.
RulePtr as_kernel_holds(const ir::Rule& rule, const ir::Table& named, const SetIds& ids) {
    RulePtr r{checked(nftnl_rule_alloc())};
    encode_expressions(rule, named, ids, r.get());
    const std::string data = comment_user_data(rule.comment);
    if (!data.empty())
        nftnl_rule_set_data(r.get(), NFTNL_RULE_USERDATA, data.data(),
                            static_cast<std::uint32_t>(data.size()));
    return r;
}

Problems rule_problems(nftnl_rule* raw, const ir::Table& named, const SetIds& ids) {
    Problems out;
    check_rule(raw, decode_rule(raw, ir::Family::inet), "input", named, ids, out);
    return out;
}

} // namespace

TEST_CASE("fidelity: a base chain as phx-fw makes it is exact, a comment or devices are not") {
    ChainPtr c = base_chain();
    CHECK(chain_problems(c.get()).empty());
    const std::string comment = comment_user_data("hand-made");
    nftnl_chain_set_data(c.get(), NFTNL_CHAIN_USERDATA, comment.data(),
                         static_cast<std::uint32_t>(comment.size()));
    CHECK(chain_problems(c.get()) == Problems{"chain input has a comment"});
    ChainPtr d = base_chain();
    nftnl_chain_set_str(d.get(), NFTNL_CHAIN_DEV, "eth0");
    CHECK(chain_problems(d.get()) == Problems{"chain input is bound to devices"});
}

TEST_CASE(
    "fidelity: every rule of the spec's table, counters and all, would be written back alike") {
    ir::Table table = spec_table();
    SetIds ids;
    const ir::Table named = rule_check_table(table, ids);
    std::size_t rules = 0;
    for (auto& chain : table.chains)
        for (auto& rule : chain.rules) {
            rule.counts = {12, 3456};
            const RulePtr raw = as_kernel_holds(rule, named, ids);
            const Problems found = rule_problems(raw.get(), named, ids);
            CHECK_MESSAGE(found.empty(), (found.empty() ? rule.comment : found.front()));
            ++rules;
        }
    CHECK(rules > 10);
}

TEST_CASE("fidelity: a check phx-fw would not write back is found, and so is more than a comment") {
    SetIds ids;
    const ir::Table named = rule_check_table(ir::Table{}, ids);
    ir::Rule accept;
    accept.verdict = ir::Verdict::accept;
    accept.comment = "hand-made";
    // meta nfproto ipv4 accept: the decoder reads it as a plain accept.
    RulePtr raw{checked(nftnl_rule_alloc())};
    ExprPtr meta{checked(nftnl_expr_alloc("meta"))};
    nftnl_expr_set_u32(meta.get(), NFTNL_EXPR_META_KEY, NFT_META_NFPROTO);
    nftnl_expr_set_u32(meta.get(), NFTNL_EXPR_META_DREG, NFT_REG_1);
    nftnl_rule_add_expr(raw.get(), meta.release());
    ExprPtr cmp{checked(nftnl_expr_alloc("cmp"))};
    const std::uint8_t ipv4 = NFPROTO_IPV4;
    nftnl_expr_set_u32(cmp.get(), NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(cmp.get(), NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set(cmp.get(), NFTNL_EXPR_CMP_DATA, &ipv4, 1);
    nftnl_rule_add_expr(raw.get(), cmp.release());
    const std::string data = comment_user_data("hand-made");
    nftnl_rule_set_data(raw.get(), NFTNL_RULE_USERDATA, data.data(),
                        static_cast<std::uint32_t>(data.size()));
    ExprPtr verdict{checked(nftnl_expr_alloc("immediate"))};
    nftnl_expr_set_u32(verdict.get(), NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(verdict.get(), NFTNL_EXPR_IMM_VERDICT, NF_ACCEPT);
    nftnl_rule_add_expr(raw.get(), verdict.release());
    const Problems found = rule_problems(raw.get(), named, ids);
    REQUIRE(found.size() == 1);
    CHECK(found[0].find("the rule \"hand-made\" in chain input: phx-fw would write it back "
                        "differently") == 0);
    RulePtr plain = as_kernel_holds(accept, named, ids);
    CHECK(rule_problems(plain.get(), named, ids).empty());
    const std::string more = data + std::string{"\x01\x02xy", 4};
    nftnl_rule_set_data(plain.get(), NFTNL_RULE_USERDATA, more.data(),
                        static_cast<std::uint32_t>(more.size()));
    CHECK(rule_problems(plain.get(), named, ids) ==
          Problems{"the rule \"hand-made\" in chain input: its user data is more than a comment"});
}

TEST_CASE("encode: counters start at the table's values, for rules and set elements alike") {
    ir::Table table = spec_table();
    for (auto& chain : table.chains)
        for (auto& rule : chain.rules) rule.counts = {7, 700};
    std::size_t counted = 0;
    for (auto& set : table.sets)
        for (auto& e : set.elements) e.counter = {3, 300}, counted += set.counter ? 1 : 0;
    REQUIRE(counted > 0);
    Batch batch{0};
    encode_replace(table, batch);
    std::string bytes;
    for (const auto& iov : batch.iovecs())
        bytes.append(static_cast<const char*>(iov.iov_base), iov.iov_len);
    std::size_t rules = 0, elements = 0;
    int left = static_cast<int>(bytes.size());
    SetPtr set{checked(nftnl_set_alloc())};
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left)) {
        const auto type = static_cast<std::uint16_t>(nlh->nlmsg_type & 0xff);
        if (nlh->nlmsg_type >> 8 != NFNL_SUBSYS_NFTABLES) continue;
        if (type == NFT_MSG_NEWRULE) {
            RulePtr r{checked(nftnl_rule_alloc())};
            REQUIRE(nftnl_rule_nlmsg_parse(nlh, r.get()) == 0);
            const ir::Rule rule = decode_rule(r.get(), ir::Family::inet);
            if (!rule.counter) continue; // the scope and log rules count nothing
            CHECK(rule.counts.packets == 7);
            CHECK(rule.counts.bytes == 700);
            ++rules;
        } else if (type == NFT_MSG_NEWSETELEM) {
            REQUIRE(nftnl_set_elems_nlmsg_parse(nlh, set.get()) == 0);
        }
    }
    nftnl_set_elem_foreach(
        set.get(),
        [](nftnl_set_elem* e, void* data) {
            ir::Counter c;
            nftnl_set_elem_expr_foreach(
                e,
                [](nftnl_expr* x, void* into) {
                    auto* counter = static_cast<ir::Counter*>(into);
                    counter->packets = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_PACKETS);
                    counter->bytes = nftnl_expr_get_u64(x, NFTNL_EXPR_CTR_BYTES);
                    return 0;
                },
                &c);
            if (c.packets == 3 && c.bytes == 300) ++*static_cast<std::size_t*>(data);
            return 0;
        },
        &elements);
    CHECK(rules > 10);
    CHECK(elements == counted);
}

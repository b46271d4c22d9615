// SPDX-License-Identifier: GPL-3.0-or-later
// Dumps of table inet phx: the table, its chains, sets with elements, rules.
#include "fwcompile/netlink/readback.hpp"

#include "fwcompile/netlink/decode.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdexcept>
#include <system_error>

namespace phx::fw::netlink {
namespace {

constexpr int kAttempts = 5;
const std::string kTable{ir::kTableName};

// The ruleset changed during a dump: read_live_table() starts over.
struct Changed : std::runtime_error {
    Changed() : std::runtime_error("the ruleset changed while phx-fw read it; try again") {}
};

void check(int error, const char* what) {
    if (error == EINTR) throw Changed{};
    if (error != 0) throw std::system_error(error, std::generic_category(), what);
}

} // namespace

bool live_table_exists(Socket& socket) {
    RequestBuffer buffer;
    nlmsghdr* nlh =
        nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETTABLE, NFPROTO_INET, 0, socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, kTable.c_str());
    const int error = socket.request(nlh, [](const nlmsghdr*) {});
    if (error == ENOENT) return false;
    check(error, "cannot read table inet phx");
    return true;
}

namespace {

void read_chains(Socket& socket, ir::Table& table) {
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETCHAIN, NFPROTO_INET, NLM_F_DUMP,
                                          socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, kTable.c_str());
    check(socket.request(nlh,
                         [&](const nlmsghdr* reply) {
                             ChainPtr c{checked(nftnl_chain_alloc())};
                             if (nftnl_chain_nlmsg_parse(reply, c.get()) < 0) return;
                             if (kTable != nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE)) return;
                             if (auto chain = decode_chain(c.get()))
                                 table.chains.push_back(std::move(*chain));
                             else
                                 table.undecoded.push_back(fmt::format(
                                     "chain {}", nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)));
                         }),
          "cannot read the chains of table inet phx");
}

void read_elements(Socket& socket, nftnl_set* set) {
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETSETELEM, NFPROTO_INET,
                                          NLM_F_DUMP, socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, kTable.c_str());
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, nftnl_set_get_str(set, NFTNL_SET_NAME));
    check(socket.request(nlh,
                         [&](const nlmsghdr* reply) { nftnl_set_elems_nlmsg_parse(reply, set); }),
          "cannot read set elements");
}

void read_sets(Socket& socket, ir::Table& table) {
    std::vector<SetPtr> sets;
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP,
                                          socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_SET_TABLE, kTable.c_str());
    check(socket.request(nlh,
                         [&](const nlmsghdr* reply) {
                             SetPtr s{checked(nftnl_set_alloc())};
                             if (nftnl_set_nlmsg_parse(reply, s.get()) == 0 &&
                                 kTable == nftnl_set_get_str(s.get(), NFTNL_SET_TABLE))
                                 sets.push_back(std::move(s));
                         }),
          "cannot read the sets of table inet phx");
    for (auto& s : sets) {
        read_elements(socket, s.get());
        if (auto set = decode_set(s.get()))
            table.sets.push_back(std::move(*set));
        else
            table.undecoded.push_back(
                fmt::format("set {}", nftnl_set_get_str(s.get(), NFTNL_SET_NAME)));
    }
}

void read_rules(Socket& socket, ir::Table& table) {
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETRULE, NFPROTO_INET, NLM_F_DUMP,
                                          socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, kTable.c_str());
    check(socket.request(nlh,
                         [&](const nlmsghdr* reply) {
                             RulePtr r{checked(nftnl_rule_alloc())};
                             if (nftnl_rule_nlmsg_parse(reply, r.get()) < 0) return;
                             if (kTable != nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE)) return;
                             const std::string chain =
                                 nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
                             for (auto& c : table.chains)
                                 if (c.name == chain)
                                     return c.rules.push_back(decode_rule(r.get()));
                             table.undecoded.push_back(fmt::format("a rule of chain {}", chain));
                         }),
          "cannot read the rules of table inet phx");
}

std::optional<ir::Table> read_once(Socket& socket) {
    if (!live_table_exists(socket)) return std::nullopt;
    ir::Table table;
    read_chains(socket, table);
    read_sets(socket, table);
    read_rules(socket, table);
    return table;
}

} // namespace

std::optional<ir::Table> read_live_table(Socket& socket) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        try {
            const std::uint32_t before = socket.generation();
            auto table = read_once(socket);
            if (socket.generation() == before) return table;
        } catch (const Changed&) {
            // a dump was interrupted by a change: read everything again
        }
    }
    throw std::runtime_error(
        "the ruleset kept changing while phx-fw read table inet phx; try again");
}

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// Dumps of phx-fw's tables: each table, its chains, sets with elements, rules.
#include "fwcompile/netlink/readback.hpp"

#include "fwcompile/netlink/decode.hpp"
#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/fidelity.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <libnftnl/common.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
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

std::string table_name(ir::Family family) {
    return fmt::format("table {} {}", ir::to_string(family), kTable);
}

// 1 when a dumped object (a stateful object or a flowtable) names our table.
std::size_t in_our_table(const nlmsghdr* reply) {
    const auto* attr =
        static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(reply, sizeof(nfgenmsg)));
    const auto* end = reinterpret_cast<const char*>(reply) + reply->nlmsg_len;
    // NFTA_OBJ_TABLE and NFTA_FLOWTABLE_TABLE are both attribute 1.
    static_assert(static_cast<int>(NFTA_OBJ_TABLE) == static_cast<int>(NFTA_FLOWTABLE_TABLE));
    for (; mnl_attr_ok(attr, static_cast<int>(end - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr))
        if (mnl_attr_get_type(attr) == NFTA_OBJ_TABLE)
            return kTable == mnl_attr_get_str(attr) ? 1 : 0;
    return 0;
}

// Whether table <family> phx exists, and its comment; with `problems`,
// also what of the table object itself a restore would lose.
bool read_table_object(Socket& socket, ir::Family family, std::string* comment,
                       Problems* problems) {
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETTABLE, nfproto(family), 0,
                                          socket.next_seq());
    mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, kTable.c_str());
    const int error = socket.request(nlh, [&](const nlmsghdr* reply) {
        TablePtr t{checked(nftnl_table_alloc())};
        if (nftnl_table_nlmsg_parse(reply, t.get()) != 0) return;
        if (comment && nftnl_table_is_set(t.get(), NFTNL_TABLE_USERDATA)) {
            std::uint32_t length = 0;
            const void* data = nftnl_table_get_data(t.get(), NFTNL_TABLE_USERDATA, &length);
            *comment = comment_of(data, length);
        }
        if (problems) check_table(t.get(), *problems);
    });
    if (error == ENOENT) return false;
    check(error, "cannot read a table of phx-fw's");
    return true;
}

} // namespace

bool live_table_exists(Socket& socket, ir::Family family) {
    return read_table_object(socket, family, nullptr, nullptr);
}

namespace {

// One reading of table inet phx. With `problems`, every object is also
// checked for what a restore from the IR would lose (fidelity.hpp).
class Reader {
public:
    Reader(Socket& socket, ir::Family family, Problems* problems)
        : socket_{socket}, family_{family}, problems_{problems} {}

    std::optional<ir::Table> read() {
        ir::Table table;
        table.family = family_;
        if (!read_table_object(socket_, family_, &table.comment, problems_)) return std::nullopt;
        read_chains(table);
        read_sets(table);
        read_rules(table);
        if (problems_) {
            count_foreign(NFT_MSG_GETOBJ, NFTA_OBJ_TABLE,
                          "named stateful object(s) (counter, quota, ...)");
            count_foreign(NFT_MSG_GETFLOWTABLE, NFTA_FLOWTABLE_TABLE, "flowtable(s)");
            for (const auto& what : table.undecoded)
                problems_->push_back(
                    fmt::format("{}: {}: phx-fw cannot read it back", table_name(family_), what));
        }
        return table;
    }

private:
    nlmsghdr* dump(RequestBuffer& buffer, std::uint16_t type) {
        return nftnl_nlmsg_build_hdr(buffer.data(), type, nfproto(family_), NLM_F_DUMP,
                                     socket_.next_seq());
    }

    void read_chains(ir::Table& table) {
        RequestBuffer buffer;
        nlmsghdr* nlh = dump(buffer, NFT_MSG_GETCHAIN);
        mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, kTable.c_str());
        check(socket_.request(nlh,
                              [&](const nlmsghdr* reply) {
                                  ChainPtr c{checked(nftnl_chain_alloc())};
                                  if (nftnl_chain_nlmsg_parse(reply, c.get()) < 0) return;
                                  if (kTable != nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE))
                                      return;
                                  add_chain(c.get(), table);
                              }),
              "cannot read the chains of table inet phx");
    }

    void add_chain(nftnl_chain* c, ir::Table& table) {
        auto chain = decode_chain(c, family_);
        if (!chain) {
            table.undecoded.push_back(
                fmt::format("chain {}", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME)));
            return;
        }
        if (problems_) check_chain(c, *chain, *problems_);
        table.chains.push_back(std::move(*chain));
    }

    void read_elements(nftnl_set* set) {
        RequestBuffer buffer;
        nlmsghdr* nlh = dump(buffer, NFT_MSG_GETSETELEM);
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, kTable.c_str());
        mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, nftnl_set_get_str(set, NFTNL_SET_NAME));
        check(socket_.request(
                  nlh, [&](const nlmsghdr* reply) { nftnl_set_elems_nlmsg_parse(reply, set); }),
              "cannot read set elements");
    }

    void read_sets(ir::Table& table) {
        std::vector<SetPtr> sets;
        RequestBuffer buffer;
        nlmsghdr* nlh = dump(buffer, NFT_MSG_GETSET);
        mnl_attr_put_strz(nlh, NFTA_SET_TABLE, kTable.c_str());
        check(socket_.request(nlh,
                              [&](const nlmsghdr* reply) {
                                  SetPtr s{checked(nftnl_set_alloc())};
                                  if (nftnl_set_nlmsg_parse(reply, s.get()) == 0 &&
                                      kTable == nftnl_set_get_str(s.get(), NFTNL_SET_TABLE))
                                      sets.push_back(std::move(s));
                              }),
              "cannot read the sets of table inet phx");
        for (auto& s : sets) {
            read_elements(s.get());
            if (auto set = decode_set(s.get(), *table.texts)) {
                if (problems_) check_set(s.get(), *set, *problems_);
                table.sets.push_back(std::move(*set));
            } else {
                table.undecoded.push_back(
                    fmt::format("set {}", nftnl_set_get_str(s.get(), NFTNL_SET_NAME)));
            }
        }
    }

    void read_rules(ir::Table& table) {
        SetIds ids;
        const ir::Table named = problems_ ? rule_check_table(table, ids) : ir::Table{};
        RequestBuffer buffer;
        nlmsghdr* nlh = dump(buffer, NFT_MSG_GETRULE);
        mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, kTable.c_str());
        check(socket_.request(nlh,
                              [&](const nlmsghdr* reply) {
                                  RulePtr r{checked(nftnl_rule_alloc())};
                                  if (nftnl_rule_nlmsg_parse(reply, r.get()) < 0) return;
                                  if (kTable != nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE))
                                      return;
                                  add_rule(r.get(), table, named, ids);
                              }),
              "cannot read the rules of table inet phx");
    }

    void add_rule(nftnl_rule* r, ir::Table& table, const ir::Table& named, const SetIds& ids) {
        const std::string chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
        for (auto& c : table.chains) {
            if (c.name != chain) continue;
            c.rules.push_back(decode_rule(r, family_));
            if (problems_) check_rule(r, c.rules.back(), chain, named, ids, *problems_);
            return;
        }
        table.undecoded.push_back(fmt::format("a rule of chain {}", chain));
    }

    // Objects phx-fw never makes: named stateful objects and flowtables.
    void count_foreign(std::uint16_t type, std::uint16_t table_attribute, const char* what) {
        RequestBuffer buffer;
        nlmsghdr* nlh = dump(buffer, type);
        mnl_attr_put_strz(nlh, table_attribute, kTable.c_str());
        std::size_t count = 0;
        check(socket_.request(nlh, [&](const nlmsghdr* reply) { count += in_our_table(reply); }),
              "cannot list the objects of table inet phx");
        if (count > 0)
            problems_->push_back(
                fmt::format("{} holds {} {}; phx-fw makes none", table_name(family_), count, what));
    }

    Socket& socket_;
    ir::Family family_;
    Problems* problems_;
};

template <typename Action>
auto read_consistently(Socket& socket, Action&& read) {
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        try {
            const std::uint32_t before = socket.generation();
            auto result = read(before);
            if (socket.generation() == before) return result;
        } catch (const Changed&) {
            // a dump was interrupted by a change: read everything again
        }
    }
    throw std::runtime_error("the ruleset kept changing while phx-fw read its tables; try again");
}

ir::Ruleset read_every_family(Socket& socket, Problems* problems) {
    ir::Ruleset ruleset;
    for (const auto family : ir::kFamilies)
        if (auto table = Reader{socket, family, problems}.read())
            ruleset.tables.push_back(std::move(*table));
    return ruleset;
}

} // namespace

std::optional<ir::Table> read_live_table(Socket& socket, ir::Family family) {
    return read_consistently(socket, [&](std::uint32_t) {
        return Reader{socket, family, nullptr}.read();
    });
}

ir::Ruleset read_live_ruleset(Socket& socket) {
    return read_consistently(socket,
                             [&](std::uint32_t) { return read_every_family(socket, nullptr); });
}

LiveState read_live_state(Socket& socket) {
    LiveState state;
    state.ruleset = read_consistently(socket, [&](std::uint32_t generation) {
        state.generation = generation;
        state.unrepresentable.clear();
        return read_every_family(socket, &state.unrepresentable);
    });
    return state;
}

} // namespace phx::fw::netlink

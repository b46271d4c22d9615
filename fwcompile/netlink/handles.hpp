// SPDX-License-Identifier: GPL-3.0-or-later
// libnftnl and libmnl objects owned by unique_ptr with their free function,
// so every early return frees them (ASan's leak check holds us to it).
#pragma once

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <memory>
#include <new>

namespace phx::fw::netlink {

struct NftnlFree {
    void operator()(nftnl_table* p) const { nftnl_table_free(p); }
    void operator()(nftnl_chain* p) const { nftnl_chain_free(p); }
    void operator()(nftnl_set* p) const { nftnl_set_free(p); }
    void operator()(nftnl_rule* p) const { nftnl_rule_free(p); }
    void operator()(nftnl_expr* p) const { nftnl_expr_free(p); }
    void operator()(nftnl_gen* p) const { nftnl_gen_free(p); }
    void operator()(nftnl_udata_buf* p) const { nftnl_udata_buf_free(p); }
    void operator()(mnl_socket* p) const { mnl_socket_close(p); }
    void operator()(mnl_nlmsg_batch* p) const { mnl_nlmsg_batch_stop(p); }
};

using TablePtr = std::unique_ptr<nftnl_table, NftnlFree>;
using ChainPtr = std::unique_ptr<nftnl_chain, NftnlFree>;
using SetPtr = std::unique_ptr<nftnl_set, NftnlFree>;
using RulePtr = std::unique_ptr<nftnl_rule, NftnlFree>;
using ExprPtr = std::unique_ptr<nftnl_expr, NftnlFree>;
using GenPtr = std::unique_ptr<nftnl_gen, NftnlFree>;
using UdataPtr = std::unique_ptr<nftnl_udata_buf, NftnlFree>;
using MnlSocketPtr = std::unique_ptr<mnl_socket, NftnlFree>;
using MnlBatchPtr = std::unique_ptr<mnl_nlmsg_batch, NftnlFree>;

// Allocation failures of these tiny objects mean the process is out of
// memory; treat them like operator new does.
template <typename T>
T* checked(T* p) {
    if (!p) throw std::bad_alloc();
    return p;
}

} // namespace phx::fw::netlink

// SPDX-License-Identifier: GPL-3.0-or-later
// Batch pages and the sequence-number bookkeeping; see batch.hpp.
#include "fwcompile/netlink/batch.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdexcept>
#include <sys/socket.h>

namespace phx::fw::netlink {
namespace {

// A bug, not an input problem: the encoder bounds every message, and one
// longer than kMaxMessage has already written past the page's spare room.
[[noreturn]] void message_too_long(std::size_t length) {
    std::fprintf(stderr, "phx-fw: internal error: a %zu-byte netlink message overran its buffer\n",
                 length);
    std::abort();
}

void put_batch_header(nlmsghdr* nlh, std::uint16_t type, std::uint32_t seq) {
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    nlh->nlmsg_seq = seq;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
}

} // namespace

Batch::Batch(std::uint32_t genid, std::size_t page_size)
    : page_size_{page_size}, genid_{genid}, first_seq_{2}, next_seq_{2} {
    if (page_size_ < kMaxMessage)
        throw std::invalid_argument("batch page smaller than one message");
    add_page();
    nlmsghdr* nlh = mnl_nlmsg_put_header(current());
    put_batch_header(nlh, NFNL_MSG_BATCH_BEGIN, begin_seq());
    // The kernel compares this with its generation under the commit lock
    // and refuses the whole batch with ERESTART when they differ.
    if (genid_ != 0) mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid_));
    seal(nlh);
}

Batch::~Batch() = default;

// Each page is mapped on its own (map_huge_pages), not taken from malloc:
// with phx-fw's heap reserved (fwcompile/cli/load_target.cpp) an aligned
// 2 MiB block from the heap's top cost the 10,000-row policy 2.4 ms more to
// fill than a mapping (interleaved medians), the top having to grow past the
// reservation, 4 KiB page by page.
void Batch::add_page() {
    Page page;
    // Room for one more message past the page's limit: libmnl's batch builds
    // the message that crosses the limit there, and seal() moves it.
    page.buffer = map_huge_pages(page_size_ + kMaxMessage);
    page.batch.reset(checked(mnl_nlmsg_batch_start(page.buffer.get(), page_size_)));
    pages_.push_back(std::move(page));
}

nlmsghdr* Batch::current() const {
    return static_cast<nlmsghdr*>(mnl_nlmsg_batch_current(pages_.back().batch.get()));
}

void Batch::seal(nlmsghdr* nlh) {
    if (nlh->nlmsg_len > kMaxMessage) message_too_long(nlh->nlmsg_len);
    if (mnl_nlmsg_batch_next(pages_.back().batch.get())) return;
    // The page is full: this message opens the next page instead. The full
    // page keeps every message before it, so nothing is cut off.
    const std::uint32_t length = nlh->nlmsg_len;
    add_page();
    std::memcpy(current(), nlh, length);
    if (!mnl_nlmsg_batch_next(pages_.back().batch.get())) message_too_long(length);
}

nlmsghdr* Batch::start(std::uint16_t type, std::uint16_t family, std::uint16_t flags) {
    if (ended_) throw std::logic_error("message added after BATCH_END");
    return nftnl_nlmsg_build_hdr(reinterpret_cast<char*>(current()), type, family,
                                 static_cast<std::uint16_t>(flags | NLM_F_ACK), next_seq_);
}

std::uint32_t Batch::finish(MessageOrigin origin) {
    seal(current());
    origins_.push_back(std::move(origin));
    return next_seq_++;
}

void Batch::end() {
    nlmsghdr* nlh = mnl_nlmsg_put_header(current());
    put_batch_header(nlh, NFNL_MSG_BATCH_END, next_seq_++);
    seal(nlh);
    ended_ = true;
}

std::vector<iovec> Batch::iovecs() const {
    std::vector<iovec> out;
    for (const auto& page : pages_) {
        const std::size_t size = mnl_nlmsg_batch_size(page.batch.get());
        if (size > 0) out.push_back({mnl_nlmsg_batch_head(page.batch.get()), size});
    }
    return out;
}

std::size_t Batch::bytes() const {
    std::size_t total = 0;
    for (const auto& page : pages_) total += mnl_nlmsg_batch_size(page.batch.get());
    return total;
}

const MessageOrigin* Batch::origin_of(std::uint32_t seq) const {
    if (seq < first_seq_ || seq - first_seq_ >= origins_.size()) return nullptr;
    return &origins_[seq - first_seq_];
}

ir::OriginId Batch::origin_at(std::uint32_t seq, std::uint32_t offset) const {
    const MessageOrigin* message = origin_of(seq);
    if (!message) return ir::kNoOrigin;
    const auto after =
        std::upper_bound(message->parts.begin(), message->parts.end(), offset,
                         [](std::uint32_t off, const auto& part) { return off < part.first; });
    if (after == message->parts.begin()) return message->origin;
    return std::prev(after)->second;
}

} // namespace phx::fw::netlink

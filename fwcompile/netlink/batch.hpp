// SPDX-License-Identifier: GPL-3.0-or-later
// One nf_tables transaction: BATCH_BEGIN, the messages, BATCH_END. Messages
// are written straight into page-sized buffers (libmnl's batch); a message
// that does not fit the current page moves to a new one, so nothing is ever
// truncated. Every message asks for an ACK and remembers what produced it,
// down to the row of each set element, so a kernel error names file:line.
#pragma once

#include "common/huge_pages.hpp"
#include "fwcompile/ir.hpp"
#include "fwcompile/netlink/handles.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <sys/uio.h>
#include <utility>
#include <vector>

struct nlmsghdr;

namespace phx::fw::netlink {

// What produced one message.
struct MessageOrigin {
    ir::OriginId origin = ir::kNoOrigin; // into table->origins
    std::string what;                    // "set forward_1", "rule in chain forward"
    // For element messages: the offset of each element's attribute within
    // the message and the row it came from, ascending by offset.
    std::vector<std::pair<std::uint32_t, ir::OriginId>> parts;
    const ir::Table* table = nullptr; // whose origins `origin` and `parts` index; may be null
};

class Batch {
public:
    // The largest message the encoder builds; element messages stop short of
    // it, because an attribute's length field has 16 bits.
    static constexpr std::size_t kMaxMessage = 60 * 1024;
    // A page and its spare room (kMaxMessage) make one huge page (2 MiB):
    // the pages are mapped aligned and prefaulted (common/huge_pages), as a
    // large policy's batch takes 5-15 MiB, and page by page that took ~900
    // faults of 4 KiB at 50,000 rows, on a VM up to ~9 us each.
    static constexpr std::size_t kDefaultPageSize = kHugePageBytes - kMaxMessage;

    // Opens the transaction. `genid` is the ruleset generation the caller
    // read before deciding what to send: the kernel refuses the batch if the
    // ruleset changed since (0: no check). page_size >= kMaxMessage.
    explicit Batch(std::uint32_t genid, std::size_t page_size = kDefaultPageSize);
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch();

    // Starts a message after the last one, with NLM_F_ACK added to `flags`.
    // The caller may write at most kMaxMessage bytes, then calls finish().
    nlmsghdr* start(std::uint16_t type, std::uint16_t family, std::uint16_t flags);
    std::uint32_t finish(MessageOrigin origin); // returns the message's sequence number

    // Appends BATCH_END: the kernel commits. A batch sent without it (a dry
    // run) is checked message by message and then thrown away.
    void end();

    [[nodiscard]] std::vector<iovec> iovecs() const;
    [[nodiscard]] std::size_t bytes() const;
    [[nodiscard]] std::size_t pages() const { return pages_.size(); }
    [[nodiscard]] std::size_t acked_messages() const { return origins_.size(); }
    [[nodiscard]] std::uint32_t begin_seq() const { return first_seq_ - 1; }
    [[nodiscard]] std::uint32_t genid() const { return genid_; }

    // nullptr for sequence numbers outside this batch (BEGIN, END).
    [[nodiscard]] const MessageOrigin* origin_of(std::uint32_t seq) const;
    // The row behind the attribute at `offset` of message `seq` (an extended
    // ACK points there), else the message's own origin.
    [[nodiscard]] ir::OriginId origin_at(std::uint32_t seq, std::uint32_t offset) const;

private:
    struct Page {
        MappedPages buffer;
        MnlBatchPtr batch;
    };
    void add_page();
    nlmsghdr* current() const;
    void seal(nlmsghdr* nlh);

    std::size_t page_size_;
    std::uint32_t genid_;
    std::uint32_t first_seq_;
    std::uint32_t next_seq_;
    std::vector<Page> pages_;
    std::vector<MessageOrigin> origins_; // index: seq - first_seq_
    bool ended_ = false;
};

} // namespace phx::fw::netlink

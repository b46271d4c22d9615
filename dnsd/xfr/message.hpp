// SPDX-License-Identifier: GPL-3.0-or-later
// Writes the messages of a transfer reply: header, the echoed question,
// answer records taken from a source until the message is full, and the
// OPT record if the query had one. Room for a TSIG record is kept free.
#pragma once

#include "dnsd/query.hpp"
#include "dnsd/wire/writer.hpp"
#include "dnsd/xfr/records.hpp"

#include <cstdint>
#include <span>

namespace phx::dns::xfr {

// Messages are filled to this size (RFC 5936 §2.2 leaves it to the
// server). Compression pointers reach only the first 16 KiB, and NSD sends
// messages of about this size too; one record larger than this still goes,
// alone, in a message up to the 64 KiB TCP limit.
constexpr std::size_t kTransferMessageSize = 16384;

struct ReplyHeader {
    const ParsedQuery* query = nullptr; // for the ID, flags, question and EDNS
    Rcode rcode = Rcode::noerror;
    bool authoritative = true;
    std::uint16_t our_udp_size = 1232; // advertised in OPT
};

class MessageWriter {
public:
    // `out` is the whole buffer; `reserve` bytes at its end stay free (for
    // TSIG); records fill the message up to `soft_limit`.
    MessageWriter(std::span<std::uint8_t> out, const ReplyHeader& header, std::size_t reserve,
                  std::size_t soft_limit = kTransferMessageSize);

    // Whether the header and question fit at all.
    [[nodiscard]] bool ok() const noexcept { return ok_; }
    // Adds one answer record; false (and nothing written) if it does not fit.
    bool add(const OutRecord& record);
    // Takes records from `source` while they fit; returns how many.
    std::size_t fill(RecordSource& source);
    // Writes OPT, patches the counts; the message size (0 if not ok).
    [[nodiscard]] std::size_t finish();

private:
    wire::WireWriter w_;
    const ReplyHeader& header_;
    std::size_t hard_limit_;
    std::size_t soft_limit_;
    std::uint16_t answers_ = 0;
    bool ok_ = true;
};

} // namespace phx::dns::xfr

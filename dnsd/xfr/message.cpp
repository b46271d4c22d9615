// SPDX-License-Identifier: GPL-3.0-or-later
// Transfer message layout, on the same compressing writer as answers.
#include "dnsd/xfr/message.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/rdata.hpp"

#include <algorithm>

namespace phx::dns::xfr {
namespace {

constexpr std::size_t kOptSize = 11;

} // namespace

MessageWriter::MessageWriter(std::span<std::uint8_t> out, const ReplyHeader& header,
                             std::size_t reserve, std::size_t soft_limit)
    : w_{out}, header_{header} {
    const ParsedQuery& q = *header.query;
    const std::size_t opt = q.edns.present ? kOptSize : 0;
    const std::size_t usable = out.size() - std::min(out.size(), reserve + opt);
    hard_limit_ = std::min(usable, kMaxMessageSize - std::min(kMaxMessageSize, reserve + opt));
    soft_limit_ = std::min(soft_limit, hard_limit_);
    w_.set_limit(hard_limit_);
    const std::uint16_t copied = q.flags & (flag::rd | flag::cd | 0x7800 /* opcode */);
    auto flags = static_cast<std::uint16_t>(flag::qr | copied | (to_u16(header.rcode) & 0xf));
    if (header.authoritative) flags |= flag::aa;
    w_.u16(q.id);
    w_.u16(flags);
    w_.u16(q.has_question ? 1 : 0);
    w_.u32(0);
    w_.u16(0);
    if (q.has_question) {
        w_.name_uncompressed(q.qname.wire());
        w_.u16(to_u16(q.qtype));
        w_.u16(q.qclass);
    }
    ok_ = w_.ok();
}

bool MessageWriter::add(const OutRecord& r) {
    if (!ok_ || answers_ == 0xffff) return false;
    // The first record may take the whole message; later ones stop at the
    // soft limit, so messages stay small enough to compress well.
    const std::size_t limit = answers_ == 0 ? hard_limit_ : soft_limit_;
    if (w_.pos() >= limit) return false;
    w_.set_limit(limit);
    const std::size_t mark = w_.pos();
    w_.name(wire::bytes_of(r.owner));
    w_.u16(to_u16(r.type));
    w_.u16(to_u16(RrClass::in));
    w_.u32(r.ttl);
    const std::size_t length_at = w_.pos();
    w_.u16(0);
    wire::write_rdata(w_, r.type, wire::bytes_of(r.rdata));
    if (!w_.ok()) {
        w_.rewind(mark);
        return false;
    }
    w_.put_u16_at(length_at, static_cast<std::uint16_t>(w_.pos() - length_at - 2));
    ++answers_;
    return true;
}

std::size_t MessageWriter::fill(RecordSource& source) {
    std::size_t n = 0;
    while (const OutRecord* r = source.peek()) {
        if (!add(*r)) break;
        source.pop();
        ++n;
    }
    return n;
}

std::size_t MessageWriter::finish() {
    if (!ok_) return 0;
    const ParsedQuery& q = *header_.query;
    w_.set_limit(hard_limit_ + (q.edns.present ? kOptSize : 0));
    if (q.edns.present) {
        const auto extended = static_cast<std::uint32_t>(to_u16(header_.rcode) >> 4);
        w_.u8(0);
        w_.u16(to_u16(RrType::opt));
        w_.u16(std::max<std::uint16_t>(header_.our_udp_size, kMinUdpSize));
        w_.u32(extended << 24 | (q.edns.dnssec_ok ? kEdnsDoBit : 0u));
        w_.u16(0);
    }
    if (!w_.ok()) return 0;
    w_.put_u16_at(6, answers_);
    w_.put_u16_at(10, q.edns.present ? 1 : 0);
    return w_.pos();
}

} // namespace phx::dns::xfr

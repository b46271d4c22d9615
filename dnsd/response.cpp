// SPDX-License-Identifier: GPL-3.0-or-later
// Reply writer. Room for the OPT record is reserved before any section is
// written, so truncation never costs the client its EDNS state.
#include "dnsd/response.hpp"

#include "dnsd/wire/rdata.hpp"
#include "dnsd/wire/writer.hpp"

#include <algorithm>

namespace phx::dns {
namespace {

using wire::WireWriter;

constexpr std::size_t kOptSize = 11; // root name, type, class, TTL, rdlength
constexpr std::size_t kQuestionNameOffset = kHeaderSize;

// Writes every record of one RRset; false (and the writer rewound) if the
// whole set does not fit.
bool write_rrset(WireWriter& w, const PlannedRrset& p) {
    const std::size_t mark = w.pos();
    for (const auto& rdata : p.rrset->rdata) {
        if (p.owner_is_qname)
            w.pointer(kQuestionNameOffset);
        else
            w.name(wire::bytes_of(p.owner));
        w.u16(to_u16(p.rrset->type));
        w.u16(to_u16(RrClass::in));
        w.u32(p.ttl);
        const std::size_t length_at = w.pos();
        w.u16(0);
        wire::write_rdata(w, p.rrset->type, wire::bytes_of(rdata));
        w.put_u16_at(length_at, static_cast<std::uint16_t>(w.pos() - length_at - 2));
    }
    if (!w.ok()) {
        w.rewind(mark);
        return false;
    }
    return true;
}

struct SectionCounts {
    std::uint16_t records[3] = {0, 0, 0};
    bool truncated = false;
};

template <typename List>
void write_section(WireWriter& w, const List& list, int index, SectionCounts& counts) {
    for (const auto& p : list) {
        if (counts.truncated) return;
        if (write_rrset(w, p)) {
            counts.records[index] =
                static_cast<std::uint16_t>(counts.records[index] + p.rrset->rdata.size());
            continue;
        }
        if (p.required) counts.truncated = true;
        return; // later optional RRsets are no more likely to fit
    }
}

void write_opt(WireWriter& w, const ParsedQuery& query, const ReplyShape& shape) {
    const auto extended = static_cast<std::uint32_t>(to_u16(shape.rcode) >> 4);
    w.u8(0); // root owner
    w.u16(to_u16(RrType::opt));
    w.u16(std::max<std::uint16_t>(shape.our_udp_size, kMinUdpSize));
    // Only DO is echoed; other flag bits are cleared (RFC 6891 §6.1.4).
    w.u32(extended << 24 | (query.edns.dnssec_ok ? kEdnsDoBit : 0u));
    w.u16(static_cast<std::uint16_t>(shape.options.wire_size()));
    write_reply_options(w, shape.options);
}

} // namespace

std::size_t write_reply(const ParsedQuery& query, const ReplyShape& shape, const Plan* plan,
                        std::span<std::uint8_t> out) noexcept {
    WireWriter w{out.first(std::min(out.size(), shape.max_size))};
    const std::uint16_t copied = query.flags & (flag::rd | flag::cd | 0x7800 /* opcode */);
    std::uint16_t flags =
        static_cast<std::uint16_t>(flag::qr | copied | (to_u16(shape.rcode) & 0xf));
    if (shape.authoritative) flags |= flag::aa;
    if (shape.recursion_available) flags |= flag::ra;
    w.u16(query.id);
    w.u16(flags);
    w.u16(query.has_question ? 1 : 0);
    w.u32(0); // ANCOUNT, NSCOUNT: patched below
    w.u16(0); // ARCOUNT
    if (!w.ok()) return 0;
    if (query.has_question) {
        w.name_uncompressed(query.qname.wire());
        w.u16(to_u16(query.qtype));
        w.u16(query.qclass);
        if (!w.ok()) return 0; // cannot happen: the question came in a message this size
    }

    const std::size_t opt_room = query.edns.present ? kOptSize + shape.options.wire_size() : 0;
    w.set_limit(w.limit() - std::min(w.limit(), opt_room));
    SectionCounts counts;
    if (plan) {
        write_section(w, plan->answer, 0, counts);
        write_section(w, plan->authority, 1, counts);
        write_section(w, plan->additional, 2, counts);
    }
    w.set_limit(out.size() < shape.max_size ? out.size() : shape.max_size);
    if (query.edns.present) write_opt(w, query, shape);
    if (!w.ok()) return 0;

    if (counts.truncated) w.put_u16_at(2, static_cast<std::uint16_t>(flags | flag::tc));
    w.put_u16_at(6, counts.records[0]);
    w.put_u16_at(8, counts.records[1]);
    w.put_u16_at(10, static_cast<std::uint16_t>(counts.records[2] + (query.edns.present ? 1 : 0)));
    return w.pos();
}

} // namespace phx::dns

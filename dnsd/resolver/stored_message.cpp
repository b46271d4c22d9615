// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and re-writing forwarded replies. Records are decompressed on the
// way in and compressed again on the way out, so dropping the upstream's OPT
// record or truncating can never leave a dangling compression pointer.
#include "dnsd/resolver/stored_message.hpp"

#include "dnsd/resolver/memory.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/rdata.hpp"
#include "dnsd/wire/writer.hpp"

#include <algorithm>

namespace phx::dns::resolver {
namespace {

using wire::WireReader;
using wire::WireWriter;

constexpr std::size_t kOptSize = 11;

bool read_section(WireReader& r, unsigned count, std::vector<StoredRr>& out, bool additional) {
    for (unsigned i = 0; i < count; ++i) {
        wire::Name owner;
        if (!wire::read_name(r, owner)) return false;
        StoredRr rr;
        rr.type = RrType{r.u16()};
        rr.rclass = r.u16();
        rr.ttl = r.u32();
        const std::uint16_t rdlength = r.u16();
        if (!r.ok() || !wire::read_rdata(r, rr.type, rdlength, rr.rdata)) return false;
        if (additional && rr.type == RrType::opt) continue; // the client gets our own OPT
        rr.owner.assign(owner.view());
        out.push_back(std::move(rr));
    }
    return true;
}

// Same owner (ignoring case), type and class: one RRset, never split.
bool same_rrset(const StoredRr& a, const StoredRr& b) {
    if (a.type != b.type || a.rclass != b.rclass || a.owner.size() != b.owner.size()) return false;
    for (std::size_t i = 0; i < a.owner.size(); ++i)
        if (wire::lower(static_cast<std::uint8_t>(a.owner[i])) !=
            wire::lower(static_cast<std::uint8_t>(b.owner[i])))
            return false;
    return true;
}

std::uint32_t ttl_for(const StoredRr& rr, const StoredReplyShape& shape) {
    if (shape.fixed_ttl) return *shape.fixed_ttl;
    return rr.ttl > shape.age ? rr.ttl - shape.age : 0;
}

struct Written {
    std::uint16_t count = 0;
    bool truncated = false;
};

// Writes a section RRset by RRset; returns how many records went out.
Written write_section(WireWriter& w, const std::vector<StoredRr>& rrs,
                      const StoredReplyShape& shape, bool required) {
    Written result;
    std::size_t i = 0;
    while (i < rrs.size()) {
        const std::size_t mark = w.pos();
        std::size_t j = i;
        for (; j < rrs.size() && same_rrset(rrs[i], rrs[j]); ++j) {
            const StoredRr& rr = rrs[j];
            w.name(wire::bytes_of(rr.owner));
            w.u16(to_u16(rr.type));
            w.u16(rr.rclass);
            w.u32(ttl_for(rr, shape));
            const std::size_t length_at = w.pos();
            w.u16(0);
            wire::write_rdata(w, rr.type, wire::bytes_of(rr.rdata));
            w.put_u16_at(length_at, static_cast<std::uint16_t>(w.pos() - length_at - 2));
        }
        if (!w.ok()) {
            w.rewind(mark);
            result.truncated = required;
            return result;
        }
        result.count = static_cast<std::uint16_t>(result.count + (j - i));
        i = j;
    }
    return result;
}

// Header and question for a reply to `query`; returns the flags written.
std::uint16_t write_head(WireWriter& w, const ParsedQuery& query, Rcode rcode, bool ad,
                         const StoredReplyShape& shape) {
    const std::uint16_t copied = query.flags & (flag::rd | flag::cd | 0x7800);
    auto flags = static_cast<std::uint16_t>(flag::qr | copied | (to_u16(rcode) & 0xf));
    if (shape.recursion_available) flags |= flag::ra;
    // RFC 6840 §5.8: AD only for clients that asked for it with DO or AD.
    if (ad && (query.edns.dnssec_ok || (query.flags & flag::ad) != 0)) flags |= flag::ad;
    w.u16(query.id);
    w.u16(flags);
    w.u16(1);
    w.u32(0);
    w.u16(0);
    w.name_uncompressed(query.qname.wire());
    w.u16(to_u16(query.qtype));
    w.u16(query.qclass);
    return flags;
}

std::size_t finish(WireWriter& w, const ParsedQuery& query, Rcode rcode,
                   const StoredReplyShape& shape, std::uint16_t flags, const Written (&sections)[3],
                   std::size_t limit) {
    w.set_limit(limit);
    if (query.edns.present) {
        w.u8(0);
        w.u16(to_u16(RrType::opt));
        w.u16(std::max<std::uint16_t>(shape.our_udp_size, kMinUdpSize));
        w.u32(static_cast<std::uint32_t>(to_u16(rcode) >> 4) << 24 |
              (query.edns.dnssec_ok ? kEdnsDoBit : 0u));
        w.u16(0);
    }
    if (!w.ok()) return 0;
    if (sections[0].truncated || sections[1].truncated) flags |= flag::tc;
    w.put_u16_at(2, flags);
    w.put_u16_at(6, sections[0].count);
    w.put_u16_at(8, sections[1].count);
    w.put_u16_at(10, static_cast<std::uint16_t>(sections[2].count + (query.edns.present ? 1 : 0)));
    return w.pos();
}

} // namespace

std::optional<std::uint32_t> StoredMessage::cache_ttl(std::uint32_t max_positive,
                                                      std::uint32_t max_negative) const {
    const bool negative = rcode == Rcode::nxdomain || (rcode == Rcode::noerror && answer.empty());
    if (rcode != Rcode::noerror && rcode != Rcode::nxdomain) return std::nullopt;
    if (negative) {
        // RFC 2308 §5: only with an SOA, for min(its TTL, its MINIMUM).
        for (const auto& rr : authority) {
            if (rr.type != RrType::soa || rr.rdata.size() < 20) continue;
            const auto* p =
                reinterpret_cast<const std::uint8_t*>(rr.rdata.data() + rr.rdata.size() - 4);
            const std::uint32_t minimum = std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                                          std::uint32_t{p[2]} << 8 | p[3];
            return std::min({rr.ttl, minimum, max_negative});
        }
        return std::nullopt;
    }
    std::uint32_t ttl = max_positive;
    for (const auto* section : {&answer, &authority})
        for (const auto& rr : *section) ttl = std::min(ttl, rr.ttl);
    return ttl;
}

std::size_t StoredMessage::memory_size() const noexcept {
    constexpr std::size_t kControlBlock = 16; // make_shared's counts, in the same block
    std::size_t n = heap_block(sizeof(StoredMessage) + kControlBlock);
    for (const auto* section : {&answer, &authority, &additional}) {
        n += heap_block(section->capacity() * sizeof(StoredRr));
        for (const StoredRr& rr : *section) n += heap_bytes(rr.owner) + heap_bytes(rr.rdata);
    }
    return n;
}

void StoredMessage::shrink_to_fit() {
    for (auto* section : {&answer, &authority, &additional}) {
        section->shrink_to_fit();
        for (StoredRr& rr : *section) {
            rr.owner.shrink_to_fit();
            rr.rdata.shrink_to_fit();
        }
    }
}

std::optional<StoredMessage> parse_reply(std::span<const std::uint8_t> message) {
    WireReader r{message};
    r.skip(2);
    const std::uint16_t flags = r.u16();
    const unsigned qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
    if (!r.ok() || (flags & flag::qr) == 0) return std::nullopt;
    wire::Name question;
    for (unsigned i = 0; i < qd; ++i) {
        wire::read_name(r, question);
        r.skip(4);
    }
    StoredMessage m;
    m.rcode = Rcode{static_cast<std::uint16_t>(flags & 0xf)};
    m.authenticated_data = (flags & flag::ad) != 0;
    if (!read_section(r, an, m.answer, false) || !read_section(r, ns, m.authority, false) ||
        !read_section(r, ar, m.additional, true) || r.remaining() != 0)
        return std::nullopt;
    return m;
}

std::size_t write_stored_reply(const StoredMessage& stored, const ParsedQuery& query,
                               const StoredReplyShape& shape,
                               std::span<std::uint8_t> out) noexcept {
    const std::size_t limit = std::min(out.size(), shape.max_size);
    WireWriter w{out.first(limit)};
    const std::uint16_t flags =
        write_head(w, query, stored.rcode, stored.authenticated_data, shape);
    if (!w.ok()) return 0;
    w.set_limit(limit - std::min(limit, query.edns.present ? kOptSize : 0));
    Written sections[3];
    sections[0] = write_section(w, stored.answer, shape, true);
    if (!sections[0].truncated) sections[1] = write_section(w, stored.authority, shape, true);
    if (!sections[0].truncated && !sections[1].truncated)
        sections[2] = write_section(w, stored.additional, shape, false);
    return finish(w, query, stored.rcode, shape, flags, sections, limit);
}

std::size_t write_empty_reply(const ParsedQuery& query, Rcode rcode, const StoredReplyShape& shape,
                              std::span<std::uint8_t> out) noexcept {
    const std::size_t limit = std::min(out.size(), shape.max_size);
    WireWriter w{out.first(limit)};
    const std::uint16_t flags = write_head(w, query, rcode, false, shape);
    if (!w.ok()) return 0;
    const Written none[3];
    return finish(w, query, rcode, shape, flags, none, limit);
}

} // namespace phx::dns::resolver

// SPDX-License-Identifier: GPL-3.0-or-later
// Query parsing: header, the single question, then every further record so
// that malformed sections and OPT errors (RFC 6891 §6.1.1) are caught.
#include "dnsd/query.hpp"

#include "dnsd/edns_options.hpp"

namespace phx::dns {
namespace {

using wire::WireReader;

// Reads one resource record's fixed part and rdata; for an OPT record it
// records the EDNS fields. Returns false on a malformed record or a second OPT.
bool read_record(WireReader& r, bool additional, EdnsInfo& edns) {
    wire::Name owner;
    if (!wire::read_name(r, owner)) return false;
    const auto type = RrType{r.u16()};
    const std::uint16_t rclass = r.u16();
    const std::uint32_t ttl = r.u32();
    const std::uint16_t rdlength = r.u16();
    r.skip(rdlength);
    if (!r.ok()) return false;
    if (type != RrType::opt) return true;
    if (!additional || edns.present || !owner.is_root()) return false; // RFC 6891 6.1.1
    // The options must exactly fill the rdata.
    if (!scan_edns_options(r.message(), r.pos() - rdlength, rdlength, edns)) return false;
    edns.present = true;
    edns.udp_size = rclass;
    edns.version = static_cast<std::uint8_t>(ttl >> 16);
    edns.dnssec_ok = (ttl & kEdnsDoBit) != 0;
    edns.options_offset = r.pos() - rdlength;
    edns.options_length = rdlength;
    return true;
}

// The TSIG hook (dnsd/tsig): notes where a TSIG record starts. RFC 8945
// §5.2: only the last record of the additional section may be one.
bool note_tsig(std::span<const std::uint8_t> message, std::size_t start, bool last_additional,
               ParsedQuery& out) {
    WireReader r{message, start};
    wire::Name owner;
    wire::read_name(r, owner);
    if (RrType{r.u16()} != RrType::tsig) return true;
    out.tsig_offset = start;
    return last_additional;
}

} // namespace

QueryVerdict parse_query(std::span<const std::uint8_t> message, ParsedQuery& out) noexcept {
    WireReader r{message};
    out.id = r.u16();
    out.flags = r.u16();
    const std::uint16_t qdcount = r.u16();
    const std::uint16_t ancount = r.u16();
    const std::uint16_t nscount = r.u16();
    const std::uint16_t arcount = r.u16();
    if (!r.ok() || (out.flags & flag::qr) != 0) return QueryVerdict::drop;
    out.opcode = Opcode{static_cast<std::uint8_t>((out.flags >> 11) & 0xf)};

    // QDCOUNT 0 is read on only to find a COOKIE option (RFC 7873 §5.4).
    bool well_formed = qdcount <= 1;
    if (qdcount == 1 && wire::read_name(r, out.qname)) {
        out.qtype = RrType{r.u16()};
        out.qclass = r.u16();
        out.has_question = r.ok();
        out.qname_lower = out.qname;
        out.qname_lower.to_lower();
    }
    well_formed = well_formed && (qdcount == 0 || out.has_question);
    const std::uint32_t records = std::uint32_t{ancount} + nscount + arcount;
    for (std::uint32_t i = 0; well_formed && i < records; ++i) {
        const std::size_t start = r.pos();
        well_formed = read_record(r, i >= std::uint32_t{ancount} + nscount, out.edns) &&
                      note_tsig(message, start, arcount > 0 && i + 1 == records, out);
    }

    if (out.opcode != Opcode::query) {
        if (qdcount == 0) out.edns = {}; // as before: nothing past the header was read
        return QueryVerdict::notimp;
    }
    if (qdcount == 1) return well_formed ? QueryVerdict::ok : QueryVerdict::formerr;
    const bool cookie = out.edns.cookie_length > 0 || out.edns.cookie_malformed;
    if (well_formed && out.edns.present && cookie) return QueryVerdict::cookie_only;
    // Any other query without a question is FORMERR, its reply the header
    // alone, as it always was.
    out.edns = {};
    return QueryVerdict::formerr;
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Building NOTIFY messages and matching their replies.
#include "dnsd/xfr/notify_message.hpp"

#include "dnsd/tsig/tsig.hpp"
#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/writer.hpp"

namespace phx::dns::xfr {
namespace {

constexpr std::uint16_t kNotifyFlags = static_cast<std::uint16_t>(4u << 11) | flag::aa;
constexpr std::size_t kNotifyBuffer = 1024; // names, SOA rdata and a TSIG: always fits

} // namespace

NotifyMessage make_notify(const Zone& zone, std::uint16_t id, const tsig::Key* key,
                          std::uint64_t now) {
    NotifyMessage m;
    m.id = id;
    m.bytes.resize(kNotifyBuffer);
    wire::WireWriter w{m.bytes};
    w.u16(id);
    w.u16(kNotifyFlags);
    w.u16(1); // QDCOUNT
    w.u16(1); // ANCOUNT: the new SOA
    w.u32(0);
    w.name_uncompressed(wire::bytes_of(zone.origin()));
    w.u16(to_u16(RrType::soa));
    w.u16(to_u16(RrClass::in));
    w.pointer(kHeaderSize);
    w.u16(to_u16(RrType::soa));
    w.u16(to_u16(RrClass::in));
    w.u32(zone.soa().ttl);
    const auto& rdata = zone.soa().rdata.front();
    w.u16(static_cast<std::uint16_t>(rdata.size()));
    w.bytes(wire::bytes_of(rdata));
    std::size_t size = w.ok() ? w.pos() : 0;
    if (size > 0 && key) {
        tsig::Signer signer{*key, {}};
        if (signer.sign(m.bytes, size, now)) {
            m.mac.size = signer.last_mac().size();
            std::copy(signer.last_mac().begin(), signer.last_mac().end(), m.mac.bytes.begin());
        } else {
            size = 0;
        }
    }
    m.bytes.resize(size);
    return m;
}

NotifyCheck check_notify_reply(std::span<const std::uint8_t> reply, const NotifyMessage& sent,
                               const Zone& zone, const tsig::Key* key, std::uint64_t now) {
    wire::WireReader r{reply};
    const std::uint16_t id = r.u16();
    const std::uint16_t flags = r.u16();
    const std::uint16_t qdcount = r.u16();
    r.skip(6);
    wire::Name qname;
    wire::read_name(r, qname);
    const auto qtype = RrType{r.u16()};
    const std::uint16_t qclass = r.u16();
    qname.to_lower();
    NotifyCheck check;
    if (!r.ok() || id != sent.id || (flags & flag::qr) == 0 || ((flags >> 11) & 0xf) != 4 ||
        qdcount != 1 || qname.view() != zone.origin() || qtype != RrType::soa ||
        qclass != to_u16(RrClass::in))
        return check; // not the reply to this NOTIFY
    check.rcode = Rcode{static_cast<std::uint16_t>(flags & 0xf)};
    if (key) {
        switch (tsig::check_reply(reply, *key, sent.mac.view(), now)) {
        case tsig::ReplyCheck::ok:
            break;
        case tsig::ReplyCheck::error:
            check.tsig_rejected = true;
            check.verdict = NotifyReply::refused;
            return check;
        case tsig::ReplyCheck::unsigned_reply:
            // An unsigned refusal is how a server that does not know the key
            // may answer; an unsigned "yes" proves nothing.
            if (check.rcode != Rcode::noerror) check.verdict = NotifyReply::refused;
            return check;
        case tsig::ReplyCheck::bad:
            return check;
        }
    }
    check.verdict =
        check.rcode == Rcode::noerror ? NotifyReply::acknowledged : NotifyReply::refused;
    return check;
}

} // namespace phx::dns::xfr

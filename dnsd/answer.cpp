// SPDX-License-Identifier: GPL-3.0-or-later
// Query classification before the lookup: which errors a query earns, in the
// order NSD, Knot and BIND check them, and how large the reply may be.
#include "dnsd/answer.hpp"

#include "dnsd/lookup.hpp"
#include "dnsd/query.hpp"
#include "dnsd/response.hpp"

#include <algorithm>

namespace phx::dns {
namespace {

// The rcode for a well-formed query that will not get a lookup, if any.
std::optional<Rcode> refusal(const ParsedQuery& q) {
    if (q.edns.present && q.edns.version > 0) return Rcode::badvers; // RFC 6891 §6.1.3
    if (q.qclass != to_u16(RrClass::in)) return Rcode::refused;
    switch (q.qtype) {
    case RrType::maila:
    case RrType::mailb:
        return Rcode::notimp;
    case RrType::opt:
        return Rcode::formerr; // a pseudo-type, never a question
    default:
        return std::nullopt;
    }
}

// What the query's COOKIE option amounted to, for the counters and the
// rate limiter.
struct CookieOutcome {
    CookieVerdict verdict = CookieVerdict::none;
    bool issued = false; // the reply carries a server cookie made for it
};

AnswerResult finish(std::size_t size, Disposition disposition, Rcode rcode, const ParsedQuery& q,
                    CookieOutcome cookie = {}, const Zone* zone = nullptr) {
    if (size == 0) disposition = Disposition::drop;
    return {size, disposition, rcode, q.qtype, false, cookie.verdict, cookie.issued, zone};
}

// The NSID and COOKIE options of the reply (RFC 5001, 7873), for a query of
// EDNS version 0: options of a version we do not speak mean nothing to us.
CookieOutcome reply_options(const ParsedQuery& q, std::span<const std::uint8_t> query,
                            const AnswerOptions& options, CookieReply& cookie, ReplyShape& shape) {
    if (!q.edns.present || q.edns.version != 0) return {};
    if (q.edns.nsid_requested) shape.options.nsid = options.nsid;
    if (!options.cookies || !options.cookies->signer || !options.cookies->signer->enabled())
        return {};
    if (q.edns.cookie_malformed) return {CookieVerdict::malformed, false};
    if (q.edns.cookie_length == 0) return {};
    const auto sent = query.subspan(q.edns.cookie_offset, q.edns.cookie_length);
    const auto verdict = answer_cookie(sent, *options.cookies, cookie);
    shape.options.cookie = cookie;
    // A valid cookie young enough goes back as it came; any other reply
    // carries a server cookie made now (the counters tell the two apart).
    const bool echoed = verdict == CookieVerdict::valid &&
                        std::equal(sent.begin(), sent.end(), cookie.begin(), cookie.end());
    return {verdict, !echoed};
}

// RFC 7873 §5.4: a query with no question and a COOKIE option asks for a
// server cookie alone. With cookies on it gets NOERROR, no question, and
// the cookie (a bad one FORMERR, as in any query); with them off it is the
// FORMERR, header only, that every question count but 1 gets.
AnswerResult cookie_only(ParsedQuery& q, std::span<const std::uint8_t> query,
                         const AnswerOptions& options, ReplyShape& shape,
                         std::span<std::uint8_t> out) {
    CookieReply cookie_reply{};
    const CookieOutcome cookie = reply_options(q, query, options, cookie_reply, shape);
    if (cookie.verdict == CookieVerdict::none) {
        q.edns = {}; // the header alone: no OPT record, so no options
        shape.rcode = Rcode::formerr;
        shape.options = {};
    } else if (cookie.verdict == CookieVerdict::malformed) {
        shape.rcode = Rcode::formerr;
    }
    return finish(write_reply(q, shape, nullptr, out), Disposition::reply, shape.rcode, q, cookie);
}

} // namespace

std::size_t reply_size_limit(const ParsedQuery& q, Transport transport,
                             std::uint16_t our_udp_size) noexcept {
    if (transport == Transport::tcp) return kMaxMessageSize;
    if (!q.edns.present) return kMinUdpSize; // RFC 1035 §4.2.1
    const std::size_t client = std::max<std::size_t>(q.edns.udp_size, kMinUdpSize);
    const std::size_t ours = std::max<std::size_t>(our_udp_size, kMinUdpSize);
    return std::min(client, ours);
}

AnswerResult answer(std::span<const std::uint8_t> query, const ZoneSet& zones,
                    const AnswerOptions& options, std::span<std::uint8_t> out) noexcept {
    ParsedQuery q;
    const QueryVerdict verdict = parse_query(query, q);
    if (verdict == QueryVerdict::drop) {
        AnswerResult dropped;
        dropped.too_short = query.size() < kHeaderSize;
        return dropped;
    }
    ReplyShape shape{Rcode::noerror,
                     false,
                     reply_size_limit(q, options.transport, options.edns_udp_size),
                     options.edns_udp_size,
                     options.recursion_available,
                     ReplyOptions{}};

    if (verdict == QueryVerdict::cookie_only) return cookie_only(q, query, options, shape, out);
    if (verdict != QueryVerdict::ok) {
        shape.rcode = verdict == QueryVerdict::notimp ? Rcode::notimp : Rcode::formerr;
        return finish(write_reply(q, shape, nullptr, out), Disposition::reply, shape.rcode, q);
    }
    CookieReply cookie_reply{};
    const CookieOutcome cookie = reply_options(q, query, options, cookie_reply, shape);
    if (cookie.verdict == CookieVerdict::malformed) { // RFC 7873 §5.2.2
        shape.rcode = Rcode::formerr;
        return finish(write_reply(q, shape, nullptr, out), Disposition::reply, shape.rcode, q,
                      cookie);
    }
    if (q.tsig_offset != 0 || q.qtype == RrType::axfr || q.qtype == RrType::ixfr) {
        shape.rcode = Rcode::refused; // dnsd/xfr replaces this (Disposition::transfer)
        return finish(write_reply(q, shape, nullptr, out), Disposition::transfer, shape.rcode, q,
                      cookie);
    }
    if (auto rcode = refusal(q)) {
        shape.rcode = *rcode;
        return finish(write_reply(q, shape, nullptr, out), Disposition::reply, shape.rcode, q,
                      cookie);
    }
    const Zone* zone = zones.find(q.qname_lower.view());
    if (!zone) {
        shape.rcode = Rcode::refused;
        return finish(write_reply(q, shape, nullptr, out), Disposition::not_ours, shape.rcode, q,
                      cookie);
    }
    Plan plan;
    plan_answer(*zone, q.qname_lower, q.qtype, options.transport == Transport::tcp, plan);
    shape.rcode = plan.rcode;
    shape.authoritative = plan.authoritative;
    return finish(write_reply(q, shape, &plan, out), Disposition::reply, shape.rcode, q, cookie,
                  zone);
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Producing a reply's messages one at a time, each signed if the request
// was; see outgoing.hpp.
#include "dnsd/xfr/outgoing.hpp"

#include "dnsd/xfr/message.hpp"

#include <algorithm>

namespace phx::dns::xfr {

const char* kind_text(Kind kind) {
    switch (kind) {
    case Kind::signed_query:
        return "signed query";
    case Kind::axfr:
        return "AXFR";
    case Kind::ixfr:
        return "IXFR";
    case Kind::ixfr_full:
        return "IXFR (whole zone)";
    case Kind::ixfr_soa:
        return "IXFR (SOA only)";
    case Kind::refused:
        return "refused";
    case Kind::tsig_error:
        return "TSIG error";
    case Kind::other_error:
        return "error";
    }
    return "error";
}

bool Outgoing::is_transfer() const noexcept {
    const Kind k = summary_.kind;
    return k == Kind::axfr || k == Kind::ixfr || k == Kind::ixfr_full || k == Kind::ixfr_soa;
}

std::size_t Outgoing::tsig_room() const noexcept {
    if (signer_) return signer_->room();
    if (check_.verdict != tsig::RequestCheck::Verdict::error) return 0;
    if (check_.error == tsig::Error::badtime && check_.key)
        return tsig::Signer{*check_.key, {}}.room(6);
    const auto& r = check_.record;
    return tsig::record_size({r.key_name.wire(), r.algorithm.wire(), 0, 0, {}, 0, {}, {}});
}

std::size_t Outgoing::append_tsig(std::span<std::uint8_t> out, std::size_t size) {
    bool ok = true;
    if (signer_)
        ok = signer_->sign(out, size, now_);
    else if (check_.verdict == tsig::RequestCheck::Verdict::error &&
             check_.error == tsig::Error::badtime)
        ok = tsig::sign_badtime(out, size, check_, now_);
    else if (check_.verdict == tsig::RequestCheck::Verdict::error)
        ok = tsig::append_unsigned_error(out, size, check_.record, check_.error);
    return ok ? size : 0;
}

std::size_t Outgoing::next(std::span<std::uint8_t> out) {
    if (done_) return 0;
    if (summary_.kind == Kind::signed_query) {
        done_ = true;
        return next_signed_query(out);
    }
    if (transport_ == Transport::udp) {
        out = out.first(std::min(out.size(), reply_size_limit(parsed_, transport_, our_udp_size_)));
        done_ = true; // a datagram is one message, whatever is left
    }
    const ReplyHeader header{&parsed_, rcode_, authoritative_, our_udp_size_};
    MessageWriter message{out, header, tsig_room()};
    const std::size_t records = records_ ? message.fill(*records_) : 0;
    const bool more = records_ && records_->peek();
    std::size_t size = message.finish();
    // A record no message can hold cannot be sent: end the transfer early
    // (the client sees it incomplete) rather than loop.
    if (more && records == 0) size = 0;
    done_ = done_ || !more || size == 0;
    size = size == 0 ? 0 : append_tsig(out, size);
    if (size > 0) {
        ++summary_.messages;
        summary_.records += records;
    }
    return size;
}

std::size_t Outgoing::next_signed_query(std::span<std::uint8_t> out) {
    const std::size_t limit = reply_size_limit(parsed_, transport_, our_udp_size_);
    const auto target = out.first(std::min(out.size(), limit));
    const std::size_t room = tsig_room();
    if (target.size() < room + kHeaderSize) return 0;
    // The query as it was before it was signed (RFC 8945 §4.3.1): the same
    // bytes without the TSIG record, one record fewer in ARCOUNT.
    std::vector<std::uint8_t> plain(
        query_.begin(), query_.begin() + static_cast<std::ptrdiff_t>(parsed_.tsig_offset));
    const auto arcount = static_cast<std::uint16_t>((plain[10] << 8 | plain[11]) - 1);
    plain[10] = static_cast<std::uint8_t>(arcount >> 8);
    plain[11] = static_cast<std::uint8_t>(arcount);
    const AnswerOptions options{transport_, our_udp_size_, false};
    const AnswerResult result =
        answer(plain, *state_->zones, options, target.first(target.size() - room));
    summary_.rcode = result.rcode;
    if (result.size == 0) return 0;
    const std::size_t size = append_tsig(target, result.size);
    if (size > 0) ++summary_.messages;
    return size;
}

} // namespace phx::dns::xfr

// SPDX-License-Identifier: GPL-3.0-or-later
// RFC 8945 §4.3 (what is digested), §5.2 (the server's checks), §5.3 (its
// replies) and §5.4 (the client's check).
#include "dnsd/tsig/tsig.hpp"

#include "dnsd/wire/types.hpp"

#include <algorithm>
#include <array>

namespace phx::dns::tsig {
namespace {

std::uint16_t u16_at(std::span<const std::uint8_t> m, std::size_t at) {
    return static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
}

// The message as its signer saw it: the ID is the original ID and ARCOUNT
// does not count the TSIG record (RFC 8945 §4.3.1). `message` is the part
// before the TSIG record, at least a header.
void digest_message(Hmac& h, std::span<const std::uint8_t> message, std::uint16_t original_id,
                    std::uint16_t arcount) {
    h.u16(original_id);
    h.update(message.subspan(2, 8));
    h.u16(arcount);
    h.update(message.subspan(kHeaderSize));
}

struct Variables {
    std::span<const std::uint8_t> key_name;
    std::span<const std::uint8_t> algorithm;
    std::uint64_t time_signed;
    std::uint16_t fudge;
    std::uint16_t error;
    std::span<const std::uint8_t> other;
};

// RFC 8945 §4.3.3: the TSIG variables, names in canonical (lower-case,
// uncompressed) form.
void digest_variables(Hmac& h, const Variables& v) {
    h.update(v.key_name);
    h.u16(to_u16(RrClass::any));
    h.u32(0); // TTL
    h.update(v.algorithm);
    h.u48(v.time_signed);
    h.u16(v.fudge);
    h.u16(v.error);
    h.u16(static_cast<std::uint16_t>(v.other.size()));
    h.update(v.other);
}

void digest_prior_mac(Hmac& h, std::span<const std::uint8_t> mac) {
    if (mac.empty()) return;
    h.u16(static_cast<std::uint16_t>(mac.size()));
    h.update(mac);
}

bool outside_fudge(std::uint64_t time_signed, std::uint16_t fudge, std::uint64_t now) {
    const std::uint64_t skew = now > time_signed ? now - time_signed : time_signed - now;
    return skew > fudge;
}

// The MAC a record should carry, over the message it ends.
Mac expected_mac(std::span<const std::uint8_t> message, const Record& rec, const Key& key,
                 std::span<const std::uint8_t> prior_mac) {
    const auto before = message.first(rec.offset);
    Hmac h{key.algorithm, key.secret};
    digest_prior_mac(h, prior_mac);
    digest_message(h, before, rec.original_id, static_cast<std::uint16_t>(u16_at(before, 10) - 1));
    digest_variables(h, {key.name.wire(), algorithm_wire(key.algorithm), rec.time_signed, rec.fudge,
                         rec.error, rec.other});
    return h.finish();
}

std::array<std::uint8_t, 6> time_bytes(std::uint64_t t) {
    return {static_cast<std::uint8_t>(t >> 40), static_cast<std::uint8_t>(t >> 32),
            static_cast<std::uint8_t>(t >> 24), static_cast<std::uint8_t>(t >> 16),
            static_cast<std::uint8_t>(t >> 8),  static_cast<std::uint8_t>(t)};
}

} // namespace

RequestCheck check_request(std::span<const std::uint8_t> message, std::size_t offset,
                           const Keyring& keys, std::uint64_t now) {
    RequestCheck check;
    auto rec = read_record(message, offset);
    if (!rec || rec->offset < kHeaderSize || u16_at(message, 10) == 0) return check;
    check.record = *rec;
    check.verdict = RequestCheck::Verdict::error;
    const Key* key = keys.find(rec->key_name.view());
    if (!key || algorithm_from_wire(rec->algorithm.view()) != key->algorithm) {
        check.error =
            Error::badkey; // §5.2.1: an unknown key, or a known one with another algorithm
        return check;
    }
    // §5.2.2.1: a MAC longer than the hash, or shorter than both half of
    // it and 10 bytes, is malformed. A shorter one that is allowed is still
    // refused: we only accept full MACs (BADTRUNC is for that policy).
    const std::size_t full = mac_size(key->algorithm);
    if (rec->mac.size() > full || rec->mac.size() < std::max<std::size_t>(10, full / 2)) {
        check.verdict = RequestCheck::Verdict::formerr;
        return check;
    }
    const Mac mac = expected_mac(message, *rec, *key, {});
    if (!same_mac(mac.view().first(rec->mac.size()), rec->mac)) {
        check.error = Error::badsig; // §5.2.2
        return check;
    }
    if (rec->mac.size() < full) {
        check.error = Error::badtrunc; // §5.2.4
        return check;
    }
    check.key = key;
    if (outside_fudge(rec->time_signed, rec->fudge, now)) {
        check.error = Error::badtime; // §5.2.3
        return check;
    }
    check.verdict = RequestCheck::Verdict::ok;
    return check;
}

Signer::Signer(const Key& key, std::span<const std::uint8_t> prior_mac) : key_{key} {
    prior_.size = std::min(prior_mac.size(), prior_.bytes.size());
    std::copy_n(prior_mac.begin(), prior_.size, prior_.bytes.begin());
}

std::size_t Signer::room(std::size_t other_size) const noexcept {
    return key_.name.size() + 10 + algorithm_wire(key_.algorithm).size() + 16 +
           mac_size(key_.algorithm) + other_size;
}

bool Signer::sign(std::span<std::uint8_t> buffer, std::size_t& size, std::uint64_t time_signed,
                  Error error, std::span<const std::uint8_t> other) {
    if (size < kHeaderSize || size > buffer.size() || size + room(other.size()) > buffer.size())
        return false;
    const auto message = std::span<const std::uint8_t>{buffer.first(size)};
    const std::uint16_t id = u16_at(message, 0);
    Hmac h{key_.algorithm, key_.secret};
    digest_prior_mac(h, prior_.view());
    digest_message(h, message, id, u16_at(message, 10));
    if (first_)
        digest_variables(h, {key_.name.wire(), algorithm_wire(key_.algorithm), time_signed, kFudge,
                             static_cast<std::uint16_t>(error), other});
    else { // §5.3.1: later messages of a sequence digest only the timers
        h.u48(time_signed);
        h.u16(kFudge);
    }
    const Mac mac = h.finish();
    if (mac.size == 0) return false;
    const Fields fields{key_.name.wire(),
                        algorithm_wire(key_.algorithm),
                        time_signed,
                        kFudge,
                        mac.view(),
                        id,
                        error,
                        other};
    if (!append_record(buffer, size, fields)) return false;
    prior_ = mac;
    first_ = false;
    return true;
}

bool append_unsigned_error(std::span<std::uint8_t> buffer, std::size_t& size, const Record& request,
                           Error error) {
    const Fields fields{request.key_name.wire(),
                        request.algorithm.wire(),
                        request.time_signed,
                        request.fudge,
                        {},
                        request.original_id,
                        error,
                        {}};
    return append_record(buffer, size, fields);
}

bool sign_badtime(std::span<std::uint8_t> buffer, std::size_t& size, const RequestCheck& check,
                  std::uint64_t now) {
    if (!check.key) return false;
    // The reply must verify at a client whose clock is off: it carries the
    // client's own time and fudge, and ours beside them.
    Signer signer{*check.key, check.record.mac};
    const auto ours = time_bytes(now);
    if (size < kHeaderSize || size + signer.room(ours.size()) > buffer.size()) return false;
    const std::uint16_t id = u16_at(buffer, 0);
    Hmac h{check.key->algorithm, check.key->secret};
    digest_prior_mac(h, check.record.mac);
    digest_message(h, buffer.first(size), id, u16_at(buffer, 10));
    digest_variables(h, {check.key->name.wire(), algorithm_wire(check.key->algorithm),
                         check.record.time_signed, check.record.fudge,
                         static_cast<std::uint16_t>(Error::badtime), ours});
    const Mac mac = h.finish();
    const Fields fields{check.key->name.wire(),
                        algorithm_wire(check.key->algorithm),
                        check.record.time_signed,
                        check.record.fudge,
                        mac.view(),
                        id,
                        Error::badtime,
                        ours};
    return mac.size > 0 && append_record(buffer, size, fields);
}

ReplyCheck check_reply(std::span<const std::uint8_t> reply, const Key& key,
                       std::span<const std::uint8_t> request_mac, std::uint64_t now) {
    const auto offset = find_record(reply);
    if (!offset) return ReplyCheck::unsigned_reply;
    const auto rec = read_record(reply, *offset);
    if (!rec || rec->offset < kHeaderSize) return ReplyCheck::bad;
    if (rec->error != 0 && rec->mac.empty()) return ReplyCheck::error;
    if (rec->key_name != key.name || algorithm_from_wire(rec->algorithm.view()) != key.algorithm)
        return ReplyCheck::bad;
    const Mac mac = expected_mac(reply, *rec, key, request_mac);
    if (rec->mac.size() != mac.size || !same_mac(mac.view(), rec->mac)) return ReplyCheck::bad;
    if (rec->error != 0) return ReplyCheck::error;
    return outside_fudge(rec->time_signed, rec->fudge, now) ? ReplyCheck::bad : ReplyCheck::ok;
}

} // namespace phx::dns::tsig

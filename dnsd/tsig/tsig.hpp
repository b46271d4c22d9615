// SPDX-License-Identifier: GPL-3.0-or-later
// TSIG (RFC 8945) as a server and as a client: checking a signed request,
// signing the one or many messages of its response, signing a request of
// our own (NOTIFY) and checking the reply to it. The HMAC is OpenSSL's;
// what goes into it, and which error a request earns, is here.
#pragma once

#include "dnsd/tsig/hmac.hpp"
#include "dnsd/tsig/key.hpp"
#include "dnsd/tsig/record.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace phx::dns::tsig {

// The clock skew we allow in what we sign (RFC 8945 §10 recommends 300 s).
constexpr std::uint16_t kFudge = 300;

// What the TSIG check (RFC 8945 §5.2) made of a signed request.
struct RequestCheck {
    enum class Verdict : std::uint8_t {
        ok,      // sign the response with `key`, over `mac`
        formerr, // a TSIG record that does not parse, or a MAC of impossible length: FORMERR
        error,   // NOTAUTH with `error`; signed only for BADTIME (`key` set)
    };
    Verdict verdict = Verdict::formerr;
    Error error = Error::none;
    const Key* key = nullptr; // the key the request names, if we know it
    Record record;            // the request's TSIG record
};

// Checks the request's TSIG record at `offset` (its last record) against
// the keyring, in RFC 8945 §5.2's order: the key (BADKEY), the MAC (BADSIG;
// a truncated one BADTRUNC), then the time (BADTIME). `now` in seconds
// since 1970.
[[nodiscard]] RequestCheck check_request(std::span<const std::uint8_t> message, std::size_t offset,
                                         const Keyring& keys, std::uint64_t now);

// Signs one message, or a sequence (the messages of a zone transfer, RFC
// 8945 §5.3.1): the first MAC covers the request's MAC and the full TSIG
// variables, each later one the previous MAC and only the timers.
class Signer {
public:
    // `prior_mac`: the request's MAC when signing a response; empty when
    // signing a request of our own. The key must outlive the signer.
    Signer(const Key& key, std::span<const std::uint8_t> prior_mac);

    // The bytes the TSIG record will take, for keeping room for it.
    [[nodiscard]] std::size_t room(std::size_t other_size = 0) const noexcept;

    // Signs the message in buffer[0, size) and appends the TSIG record;
    // false if it does not fit (then nothing is appended). The message ID is
    // the original ID. A BADTIME reply passes the request's time as
    // `time_signed` and our clock in `other` (RFC 8945 §5.2.3).
    bool sign(std::span<std::uint8_t> buffer, std::size_t& size, std::uint64_t time_signed,
              Error error = Error::none, std::span<const std::uint8_t> other = {});

    [[nodiscard]] std::span<const std::uint8_t> last_mac() const noexcept { return prior_.view(); }

private:
    const Key& key_;
    Mac prior_;
    bool first_ = true;
};

// Appends the reply's TSIG record for an error the request's key or MAC
// caused (BADKEY, BADSIG, BADTRUNC): unsigned, as RFC 8945 §5.3.2 requires.
bool append_unsigned_error(std::span<std::uint8_t> buffer, std::size_t& size, const Record& request,
                           Error error);

// Answers a BADTIME with its reply signed (RFC 8945 §5.2.3): the request's
// Time Signed and Fudge, our clock in Other Data.
bool sign_badtime(std::span<std::uint8_t> buffer, std::size_t& size, const RequestCheck& check,
                  std::uint64_t now);

// A reply to a request we signed, checked as a client (RFC 8945 §5.4).
enum class ReplyCheck : std::uint8_t {
    ok,
    unsigned_reply, // no TSIG record at all
    error,          // the peer reports a TSIG error (it did not accept our key or MAC)
    bad,            // wrong key, bad MAC or time outside the fudge
};
[[nodiscard]] ReplyCheck check_reply(std::span<const std::uint8_t> reply, const Key& key,
                                     std::span<const std::uint8_t> request_mac, std::uint64_t now);

} // namespace phx::dns::tsig

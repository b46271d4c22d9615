// SPDX-License-Identifier: GPL-3.0-or-later
// The reply to a zone transfer or a TSIG-signed query: one message, or the
// many messages of an AXFR or IXFR, produced one at a time so that a
// transport can write each before the next is made (backpressure: a slow
// secondary slows its own transfer and holds nothing else up). Each
// message is signed when the request was (RFC 8945 §5.3.1: every one).
#pragma once

#include "common/net.hpp"
#include "dnsd/answer.hpp"
#include "dnsd/query.hpp"
#include "dnsd/tsig/tsig.hpp"
#include "dnsd/xfr/records.hpp"
#include "dnsd/xfr/state.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace phx::dns::xfr {

class Planner;

// What a reply turned out to be, for metrics and the log.
enum class Kind : std::uint8_t {
    signed_query, // an ordinary query, signed: answered as usual and signed
    axfr,         // the whole zone
    ixfr,         // the differences from the client's version, from the journal
    ixfr_full,    // the whole zone for an IXFR the journal does not reach back for
    ixfr_soa,     // a single SOA: the client is current, or asked over UDP (RFC 1995 §2)
    refused,      // not allowed to transfer (REFUSED), or not our zone (NOTAUTH)
    tsig_error,   // the request's TSIG failed (NOTAUTH, or FORMERR)
    other_error,  // AXFR over UDP (NOTIMP), a malformed IXFR, BADVERS
};

[[nodiscard]] const char* kind_text(Kind kind); // "AXFR", "IXFR", ...

struct Summary {
    Kind kind = Kind::other_error;
    RrType qtype{};
    Rcode rcode = Rcode::noerror;
    tsig::Error tsig_error = tsig::Error::none;
    std::string zone;         // the question's name (the zone, for a transfer), presentation form
    std::string key;          // the key the request was signed with, if it verified
    std::uint32_t serial = 0; // the version sent
    std::optional<std::uint32_t> client_serial; // IXFR
    std::string why;                            // for refusals, what the log should say
    std::size_t messages = 0;
    std::size_t records = 0;
};

class Outgoing {
public:
    // Writes the next message into `out` (65535 bytes over TCP; over UDP
    // the datagram buffer, of which only what the client can take is used)
    // and returns its size; 0 when every message has been written.
    std::size_t next(std::span<std::uint8_t> out);
    [[nodiscard]] const Summary& summary() const noexcept { return summary_; }
    [[nodiscard]] bool is_transfer() const noexcept;
    // True once next() has produced the last message: the summary is whole.
    [[nodiscard]] bool finished() const noexcept { return done_; }

private:
    friend class Planner;
    friend std::unique_ptr<Outgoing> respond(std::span<const std::uint8_t> query,
                                             std::shared_ptr<const TransferState> state,
                                             const IpAddress& client, Transport transport,
                                             std::uint16_t our_udp_size, std::uint64_t now);
    Outgoing() = default;
    std::size_t next_signed_query(std::span<std::uint8_t> out);
    std::size_t append_tsig(std::span<std::uint8_t> out, std::size_t size);
    [[nodiscard]] std::size_t tsig_room() const noexcept;

    std::vector<std::uint8_t> query_; // the request; the TSIG check's views point into it
    ParsedQuery parsed_;
    std::shared_ptr<const TransferState> state_; // keeps the zone, journal and keys alive
    Transport transport_ = Transport::tcp;
    std::uint16_t our_udp_size_ = 1232;
    std::uint64_t now_ = 0;
    Rcode rcode_ = Rcode::noerror;
    bool authoritative_ = true;
    std::unique_ptr<RecordSource> records_; // null: a message with no answer records
    tsig::RequestCheck check_;
    bool signed_ = false;
    std::optional<tsig::Signer> signer_;
    bool done_ = false;
    Summary summary_;
};

// The reply to a query answer() handed over (Disposition::transfer).
// `now` is the wall clock in seconds, for TSIG. Never null.
[[nodiscard]] std::unique_ptr<Outgoing> respond(std::span<const std::uint8_t> query,
                                                std::shared_ptr<const TransferState> state,
                                                const IpAddress& client, Transport transport,
                                                std::uint16_t our_udp_size, std::uint64_t now);

} // namespace phx::dns::xfr

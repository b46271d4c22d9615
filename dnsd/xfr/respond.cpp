// SPDX-License-Identifier: GPL-3.0-or-later
// What a transfer or signed query earns: the TSIG check first (RFC 8945
// §5.2), then the class, the ACL, the zone, the transport and, for IXFR,
// how far back the journal reaches (RFC 1995 §2 and §4).
#include "dnsd/xfr/access.hpp"
#include "dnsd/xfr/ixfr_query.hpp"
#include "dnsd/xfr/outgoing.hpp"
#include "dnsd/zone/serial_policy.hpp"

#include <fmt/format.h>

namespace phx::dns::xfr {
namespace {

// The records of a condensed difference in IXFR order (RFC 1995 §4): the
// new SOA, the old SOA and what went, the new SOA and what came, the new
// SOA again.
class DifferenceSource final : public RecordSource {
public:
    explicit DifferenceSource(Difference d) : d_{std::move(d)}, list_{views()} {}
    [[nodiscard]] const OutRecord* peek() override { return list_.peek(); }
    void pop() override { list_.pop(); }

private:
    [[nodiscard]] std::vector<OutRecord> views() const {
        std::vector<OutRecord> v{d_.to_soa.view(), d_.from_soa.view()};
        for (const auto& r : d_.removed) v.push_back(r.view());
        v.push_back(d_.to_soa.view());
        for (const auto& r : d_.added) v.push_back(r.view());
        v.push_back(d_.to_soa.view());
        return v;
    }
    Difference d_;
    ListSource list_;
};

struct Refusal {
    Rcode rcode;
    Kind kind;
    std::string why;
};

} // namespace

// Friend of Outgoing: fills in what the reply will be.
class Planner {
public:
    Planner(Outgoing& o, std::uint64_t now) : o_{o}, now_{now} {}

    // False when the TSIG check already decided the reply.
    bool check_signature();
    void plan_transfer(const IpAddress& client);

private:
    void refuse(const Refusal& r) {
        o_.rcode_ = r.rcode;
        o_.authoritative_ = false;
        o_.summary_.kind = r.kind;
        o_.summary_.rcode = r.rcode;
        o_.summary_.why = r.why;
    }
    void send(std::unique_ptr<RecordSource> records, Kind kind) {
        o_.records_ = std::move(records);
        o_.summary_.kind = kind;
    }
    void plan_ixfr(const Zone& zone);

    Outgoing& o_;
    std::uint64_t now_;
};

bool Planner::check_signature() {
    if (o_.parsed_.tsig_offset == 0) return true;
    auto& check = o_.check_;
    check = tsig::check_request(o_.query_, o_.parsed_.tsig_offset, o_.state_->keys, now_);
    using Verdict = tsig::RequestCheck::Verdict;
    if (check.verdict == Verdict::ok) {
        o_.signer_.emplace(*check.key, check.record.mac);
        o_.summary_.key = check.key->name_text();
        return true;
    }
    const std::string key = check.record.key_name.to_text();
    if (check.verdict == Verdict::formerr) {
        refuse({Rcode::formerr, Kind::tsig_error, "a malformed TSIG record"});
        return false;
    }
    o_.summary_.tsig_error = check.error;
    refuse({Rcode::notauth, Kind::tsig_error,
            fmt::format("TSIG {} with key {}", tsig::error_text(check.error), key)});
    return false;
}

void Planner::plan_transfer(const IpAddress& client) {
    const ParsedQuery& q = o_.parsed_;
    Summary& s = o_.summary_;
    if (q.edns.present && q.edns.version > 0)
        return refuse({Rcode::badvers, Kind::other_error, "EDNS version above 0"});
    if (q.qclass != to_u16(RrClass::in))
        return refuse({Rcode::refused, Kind::refused, "a class other than IN"});
    const tsig::Key* key = o_.signer_ ? o_.check_.key : nullptr;
    if (!transfer_allowed(o_.state_->allow, client, key))
        return refuse({Rcode::refused, Kind::refused,
                       fmt::format("no [transfer] allow entry for {} {}", client.to_string(),
                                   key ? "with key " + key->name_text() : "unsigned")});
    const Zone* zone = o_.state_->zone(q.qname_lower.view());
    if (!zone) return refuse({Rcode::notauth, Kind::refused, "not a zone served here"});
    s.serial = zone->serial();
    if (q.qtype == RrType::axfr) {
        // RFC 5936 §4.2: AXFR over UDP is not defined; it names no rcode,
        // and NOTIMP is what Knot answers.
        if (o_.transport_ == Transport::udp)
            return refuse({Rcode::notimp, Kind::other_error, "AXFR over UDP"});
        return send(std::make_unique<ZoneSource>(*zone), Kind::axfr);
    }
    plan_ixfr(*zone);
}

void Planner::plan_ixfr(const Zone& zone) {
    const auto client_serial = ixfr_client_serial(o_.query_, o_.parsed_);
    if (!client_serial)
        return refuse({Rcode::formerr, Kind::other_error, "no SOA in the IXFR query's authority"});
    o_.summary_.client_serial = client_serial;
    // RFC 1995 §2: the client is current (or ahead), or it asked over UDP
    // where a transfer does not fit: one SOA, our current version.
    if (o_.transport_ == Transport::udp || !serial_greater(zone.serial(), *client_serial))
        return send(std::make_unique<ListSource>(std::vector{soa_record(zone)}), Kind::ixfr_soa);
    const Journal* journal = o_.state_->journal(zone.origin());
    if (journal && journal->newest_serial() == zone.serial())
        if (auto d = journal->since(*client_serial))
            return send(std::make_unique<DifferenceSource>(std::move(*d)), Kind::ixfr);
    // RFC 1995 §4: the journal does not reach back: the whole zone.
    send(std::make_unique<ZoneSource>(zone), Kind::ixfr_full);
}

std::unique_ptr<Outgoing> respond(std::span<const std::uint8_t> query,
                                  std::shared_ptr<const TransferState> state,
                                  const IpAddress& client, Transport transport,
                                  std::uint16_t our_udp_size, std::uint64_t now) {
    std::unique_ptr<Outgoing> o{new Outgoing};
    o->query_.assign(query.begin(), query.end());
    o->state_ = std::move(state);
    o->transport_ = transport;
    o->our_udp_size_ = our_udp_size;
    o->now_ = now;
    Planner planner{*o, now};
    if (parse_query(o->query_, o->parsed_) != QueryVerdict::ok) {
        o->rcode_ = Rcode::formerr; // answer() hands over only well-formed queries
        o->summary_.why = "a malformed query";
        return o;
    }
    o->summary_.qtype = o->parsed_.qtype;
    o->summary_.zone = o->parsed_.qname_lower.to_text();
    if (!planner.check_signature()) return o;
    const RrType qtype = o->parsed_.qtype;
    if (qtype != RrType::axfr && qtype != RrType::ixfr)
        o->summary_.kind = Kind::signed_query;
    else
        planner.plan_transfer(client);
    return o;
}

} // namespace phx::dns::xfr

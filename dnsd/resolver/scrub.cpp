// SPDX-License-Identifier: GPL-3.0-or-later
// Scrubbing forwarded replies (see scrub.hpp): a walk along the answer's
// CNAME/DNAME chain marks what is kept, then each section is filtered and
// its TTLs capped. Owners keep the case the upstream sent; every comparison
// folds case (RFC 4343) without allocating per record.
#include "dnsd/resolver/scrub.hpp"

#include "dnsd/wire/name.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns::resolver {
namespace {

// Steps along a chain before giving up: loops end here too.
constexpr int kMaxChainSteps = 16;

std::string lowered(std::string_view name) {
    std::string out{name};
    for (char& c : out) c = static_cast<char>(wire::lower(static_cast<std::uint8_t>(c)));
    return out;
}

// Whether wire name `owner`, in any case, is `name` (lower case).
bool same_name(std::string_view owner, std::string_view name) {
    if (owner.size() != name.size()) return false;
    for (std::size_t i = 0; i < owner.size(); ++i)
        if (wire::lower(static_cast<std::uint8_t>(owner[i])) != static_cast<std::uint8_t>(name[i]))
            return false;
    return true;
}

// The name a CNAME or DNAME points to, lower-cased; empty unless the rdata
// is exactly one well-formed name.
std::string target_of(const StoredRr& rr) {
    const auto bytes = wire::bytes_of(rr.rdata);
    if (bytes.empty() || wire::name_length(bytes) != bytes.size()) return {};
    return lowered(rr.rdata);
}

std::uint16_t covered_type(const StoredRr& rrsig) {
    if (rrsig.rdata.size() < 2) return 0;
    return static_cast<std::uint16_t>(static_cast<std::uint8_t>(rrsig.rdata[0]) << 8 |
                                      static_cast<std::uint8_t>(rrsig.rdata[1]));
}

bool is_ours(const ZoneSet& ours, std::string_view lower_name) {
    return ours.find(lower_name) != nullptr;
}

// Follows the chain from the question name through the answer section and
// marks the records that belong to it.
class ChainWalk {
public:
    ChainWalk(const std::vector<StoredRr>& answer, const ParsedQuery& query, const ZoneSet& ours)
        : keep(answer.size(), false), answer_{answer}, query_{query}, ours_{ours} {}

    void run();

    std::vector<bool> keep;
    std::string last;      // the name the chain ended at (lower case)
    bool has_data = false; // records of the asked type at `last`
    bool cut = false;      // the next name was in our zones

private:
    struct Kept {
        std::string owner; // lower case
        std::uint16_t type;
    };
    bool usable(const StoredRr& rr) const { return rr.rclass == query_.qclass; }
    bool answers(RrType type) const { return query_.qtype == RrType::any || type == query_.qtype; }
    void mark(std::size_t i);
    bool mark_data(std::string_view name);
    std::optional<std::string> via_dname(std::string_view name);
    std::optional<std::string> via_cname(std::string_view name);
    void mark_signatures();

    const std::vector<StoredRr>& answer_;
    const ParsedQuery& query_;
    const ZoneSet& ours_;
    std::vector<Kept> kept_; // RRsets kept, for their RRSIGs: a few per step
};

void ChainWalk::mark(std::size_t i) {
    keep[i] = true;
    const StoredRr& rr = answer_[i];
    for (const Kept& k : kept_)
        if (k.type == to_u16(rr.type) && same_name(rr.owner, k.owner)) return;
    kept_.push_back({lowered(rr.owner), to_u16(rr.type)});
}

bool ChainWalk::mark_data(std::string_view name) {
    bool found = false;
    for (std::size_t i = 0; i < answer_.size(); ++i) {
        const StoredRr& rr = answer_[i];
        if (!usable(rr) || !answers(rr.type) || !same_name(rr.owner, name)) continue;
        // Signatures are kept with what they sign, unless they were asked for.
        if (rr.type == RrType::rrsig && query_.qtype != RrType::rrsig) continue;
        mark(i);
        found = true;
    }
    return found;
}

// RFC 6672: a DNAME at an ancestor of `name` rewrites that suffix; the
// upstream's synthesised CNAME is kept only if it says the same.
std::optional<std::string> ChainWalk::via_dname(std::string_view name) {
    for (std::size_t i = 0; i < answer_.size(); ++i) {
        const StoredRr& rr = answer_[i];
        if (rr.type != RrType::dname || !usable(rr)) continue;
        const std::string owner = lowered(rr.owner);
        const std::string target = target_of(rr);
        if (target.empty() || owner.size() >= name.size() || !wire::is_subdomain(name, owner))
            continue;
        std::string next{name.substr(0, name.size() - owner.size())};
        next += target;
        if (next.size() > kMaxNameLength) continue; // RFC 6672 §2.2: YXDOMAIN, no chain
        mark(i);
        for (std::size_t j = 0; j < answer_.size(); ++j)
            if (answer_[j].type == RrType::cname && usable(answer_[j]) &&
                same_name(answer_[j].owner, name) && target_of(answer_[j]) == next)
                mark(j);
        return next;
    }
    return std::nullopt;
}

// A name has one CNAME at most (RFC 2181 §10.1): the first is followed and
// kept, any other is dropped.
std::optional<std::string> ChainWalk::via_cname(std::string_view name) {
    for (std::size_t i = 0; i < answer_.size(); ++i) {
        const StoredRr& rr = answer_[i];
        if (rr.type != RrType::cname || !usable(rr) || !same_name(rr.owner, name)) continue;
        std::string target = target_of(rr);
        if (target.empty()) return std::nullopt;
        mark(i);
        return target;
    }
    return std::nullopt;
}

void ChainWalk::mark_signatures() {
    for (std::size_t i = 0; i < answer_.size(); ++i) {
        const StoredRr& rr = answer_[i];
        if (rr.type != RrType::rrsig || !usable(rr)) continue;
        for (const Kept& k : kept_)
            if (k.type == covered_type(rr) && same_name(rr.owner, k.owner)) keep[i] = true;
    }
}

void ChainWalk::run() {
    // Only names outside our zones are forwarded, but a reload may have
    // added a zone while this question was waiting upstream.
    std::string name{query_.qname_lower.view()};
    last = name;
    cut = is_ours(ours_, name);
    const bool follows = query_.qtype != RrType::cname && query_.qtype != RrType::any;
    for (int step = 0; step < kMaxChainSteps && !cut; ++step) {
        last = name;
        if (mark_data(name)) {
            has_data = true;
            break;
        }
        if (!follows) break;
        auto next = via_dname(name);
        if (!next) next = via_cname(name);
        if (!next) break;
        cut = is_ours(ours_, *next);
        name = std::move(*next);
    }
    mark_signatures();
}

// The owner of the SOA of a negative answer: the chain's last name or an
// ancestor of it (RFC 2308 §2); empty if there is none.
std::string negative_apex(const std::vector<StoredRr>& authority, const ChainWalk& chain,
                          const ParsedQuery& query) {
    for (const StoredRr& rr : authority) {
        if (rr.type != RrType::soa || rr.rclass != query.qclass) continue;
        std::string owner = lowered(rr.owner);
        if (wire::is_subdomain(chain.last, owner)) return owner;
    }
    return {};
}

// Which authority records a negative answer keeps: that one SOA, and the
// DNSSEC proofs in its zone that do not speak for ours.
std::vector<bool> authority_to_keep(const std::vector<StoredRr>& authority, const std::string& apex,
                                    const ZoneSet& ours) {
    std::vector<bool> keep(authority.size(), false);
    bool have_soa = false;
    for (std::size_t i = 0; i < authority.size(); ++i) {
        const StoredRr& rr = authority[i];
        const std::string owner = lowered(rr.owner);
        if (apex.empty() || !wire::is_subdomain(owner, apex) || is_ours(ours, owner)) continue;
        const bool proof = rr.type == RrType::nsec || rr.type == RrType::nsec3;
        const auto covered = RrType{covered_type(rr)};
        const bool signature =
            rr.type == RrType::rrsig &&
            (covered == RrType::soa || covered == RrType::nsec || covered == RrType::nsec3);
        const bool soa = rr.type == RrType::soa && owner == apex && !have_soa;
        have_soa = have_soa || soa;
        keep[i] = soa || proof || signature;
    }
    return keep;
}

std::size_t keep_only(std::vector<StoredRr>& rrs, const std::vector<bool>& keep) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < rrs.size(); ++i) {
        if (!keep[i]) continue;
        if (out != i) rrs[out] = std::move(rrs[i]); // never onto itself: that empties a string
        ++out;
    }
    const std::size_t dropped = rrs.size() - out;
    rrs.resize(out);
    return dropped;
}

std::uint32_t soa_minimum(const StoredRr& soa) {
    if (soa.rdata.size() < 20) return 0;
    const auto* p = reinterpret_cast<const std::uint8_t*>(soa.rdata.data() + soa.rdata.size() - 4);
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

void cap_ttls(StoredMessage& m, bool negative, const ScrubLimits& limits) {
    for (StoredRr& rr : m.answer) rr.ttl = capped_ttl(rr.ttl, limits.max_ttl);
    for (StoredRr& rr : m.authority) {
        rr.ttl = capped_ttl(rr.ttl, negative ? limits.max_negative_ttl : limits.max_ttl);
        if (rr.type == RrType::soa)
            rr.ttl = std::min(rr.ttl, capped_ttl(soa_minimum(rr), limits.max_negative_ttl));
    }
}

} // namespace

ScrubReport scrub(StoredMessage& message, const ParsedQuery& query, const ZoneSet& ours,
                  const ScrubLimits& limits) {
    ChainWalk chain{message.answer, query, ours};
    chain.run();
    ScrubReport report;
    report.cut = chain.cut;
    report.dropped += keep_only(message.answer, chain.keep);
    const bool negative = !chain.cut && !chain.has_data;
    const std::string apex = negative ? negative_apex(message.authority, chain, query) : "";
    report.dropped +=
        keep_only(message.authority, authority_to_keep(message.authority, apex, ours));
    report.dropped += message.additional.size();
    message.additional.clear();
    if (chain.cut) message.rcode = Rcode::noerror; // RFC 6604: the rcode of the last name kept
    cap_ttls(message, negative, limits);
    return report;
}

} // namespace phx::dns::resolver

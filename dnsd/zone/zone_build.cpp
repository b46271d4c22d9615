// SPDX-License-Identifier: GPL-3.0-or-later
// Zone validation. The checks are those that make an answer ambiguous or
// wrong if skipped: out-of-zone data, a missing or second SOA, no apex NS,
// CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1), conflicting
// TTLs (RFC 2181 §5.2), and data hidden below a delegation.
//
// Records arrive in file order and are kept as small entries pointing into
// the zone's arena; finish() sorts them by (name, type) once, which groups
// every RRset, and lays the RRsets and rdata views out in the arrays the
// zone keeps. Nothing is copied per record after that.
#include "dnsd/zone/zone_build.hpp"

#include "common/huge_pages.hpp"
#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <unordered_set>

namespace phx::dns {
namespace {

// After this many, a zone's errors (and, separately, its warnings) are
// counted, not printed: a zone file with the wrong origin would otherwise
// print one line per record.
constexpr std::size_t kMaxMessages = 100;
// RRsets larger than this find duplicates with a hash set, not a scan.
constexpr std::size_t kLinearDuplicateScan = 16;

std::string text_of(std::string_view wire_name) {
    return wire::name_to_text(wire::bytes_of(wire_name));
}

struct Entry {
    Node* node;
    std::string_view rdata;
    FileName file;
    std::uint32_t line;
    std::uint32_t ttl;
    std::uint32_t seq;
    RrType type;
};

} // namespace

// Length bytes are below 64 and so never in 'A'..'Z': the whole name folds
// byte by byte.
std::string_view lower_wire_into(std::string_view name, std::array<char, 256>& buffer) noexcept {
    const std::size_t n = std::min(name.size(), buffer.size());
    for (std::size_t i = 0; i < n; ++i)
        buffer[i] = static_cast<char>(wire::lower(static_cast<std::uint8_t>(name[i])));
    return {buffer.data(), n};
}

std::optional<std::string> unacceptable(const RecordRef& r, std::string_view lower,
                                        std::string_view origin) {
    if (r.rclass != to_u16(RrClass::in))
        return fmt::format("{}: class {} is not supported, only IN", text_of(r.owner), r.rclass);
    if (!wire::is_subdomain(lower, origin))
        return fmt::format("{} is outside the zone {}", text_of(r.owner), text_of(origin));
    if (r.type == RrType::soa && lower != origin)
        return fmt::format("SOA record at {}: the SOA belongs at the zone apex {}",
                           text_of(r.owner), text_of(origin));
    if (r.type == RrType::dname)
        return fmt::format("{}: DNAME records are not supported", text_of(r.owner));
    return std::nullopt;
}

void RecordSink::add(const ScannedRecord& r) {
    add(RecordRef{r.owner, r.type, r.rclass, r.ttl, r.rdata, r.at});
}

struct ZoneBuilder::State {
    std::string origin;
    std::string file;
    Diagnostics* diag;
    std::shared_ptr<ZoneStorage> storage = std::make_shared<ZoneStorage>();
    Zone::NodeMap nodes;
    std::vector<Entry> entries;
    std::uint32_t next_order = 0;
    std::size_t errors = 0;
    std::size_t warnings = 0;
    std::uint64_t inputs = 0;
    std::uint64_t checked_with = 0;
    bool warned_outside = false;

    void error(const SourcePos& at, const std::string& message) {
        if (errors++ < kMaxMessages) diag->error(at, message);
    }
    void warning(const SourcePos& at, const std::string& message) {
        if (warnings++ < kMaxMessages) diag->warning(at, message);
    }
    void report_suppressed() {
        const SourcePos at{file};
        if (errors > kMaxMessages)
            diag->error(
                at, fmt::format("{} more errors in this zone not shown", errors - kMaxMessages));
        if (warnings > kMaxMessages)
            diag->warning(at, fmt::format("{} more warnings in this zone not shown",
                                          warnings - kMaxMessages));
        errors = std::min(errors, kMaxMessages);
        warnings = std::min(warnings, kMaxMessages);
    }

    bool accepts(const RecordRef& r, std::string_view lower);
    Node& node_for(std::string_view owner, std::string_view lower);
    void group_rrsets();
    void add_rrset(std::span<const Entry> group);
    void check_apex();
    using Named = std::pair<std::string_view, const Node*>; // lower-case name, node
    void check_cname_exclusivity(std::vector<Named> with_cname);
    void check_delegations(std::vector<Named> with_ns);
    void check_names();
    void add_empty_non_terminals();
};

bool ZoneBuilder::State::accepts(const RecordRef& r, std::string_view lower) {
    auto problem = unacceptable(r, lower, origin);
    if (problem) error(r.at, *problem);
    return !problem;
}

Node& ZoneBuilder::State::node_for(std::string_view owner, std::string_view lower) {
    if (auto it = nodes.find(lower); it != nodes.end()) return it->second;
    const std::string_view key = storage->bytes.store(lower);
    const std::string_view written = owner == lower ? key : storage->bytes.store(owner);
    return nodes.emplace(key, Node{written, {}, next_order++}).first->second;
}

// One RRset from entries of one name and type, in file order.
void ZoneBuilder::State::add_rrset(std::span<const Entry> group) {
    const Entry& first = group.front();
    RrSet set{first.type, first.ttl, first.line, {}};
    auto& rdata = storage->rdata;
    const std::size_t start = rdata.size();
    std::unordered_set<std::string_view> seen;
    if (group.size() > kLinearDuplicateScan) seen.reserve(group.size());
    for (const Entry& e : group) {
        const auto stored = std::span{rdata}.subspan(start);
        const bool duplicate =
            group.size() > kLinearDuplicateScan
                ? !seen.insert(e.rdata).second
                : std::find(stored.begin(), stored.end(), e.rdata) != stored.end();
        if (&e == &first) {
            rdata.push_back(e.rdata);
            continue;
        }
        const SourcePos at{e.file, e.line, 0};
        if (e.type == RrType::soa) {
            error(at, fmt::format("a second SOA record at {} (the first is at line {})",
                                  text_of(e.node->owner), first.line));
            continue;
        }
        if (e.type == RrType::cname) {
            error(at, fmt::format(
                          "a second CNAME at {}: a name has at most one (the first is at line {})",
                          text_of(e.node->owner), first.line));
            continue;
        }
        if (duplicate) {
            warning(at, fmt::format("duplicate {} record at {} ignored (the first is at line {})",
                                    type_name(e.type), text_of(e.node->owner), first.line));
            continue;
        }
        if (e.ttl != set.ttl) {
            warning(at, fmt::format("TTL {} differs from the other {} records at {} (TTL {}, line "
                                    "{}); the RRset uses the lowest (RFC 2181 5.2)",
                                    e.ttl, type_name(e.type), text_of(e.node->owner), set.ttl,
                                    set.line));
            set.ttl = std::min(set.ttl, e.ttl);
        }
        rdata.push_back(e.rdata);
    }
    set.rdata = std::span<const std::string_view>{rdata}.subspan(start);
    storage->rrsets.push_back(set);
}

void ZoneBuilder::State::group_rrsets() {
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tuple{a.node->order, to_u16(a.type), a.seq} <
               std::tuple{b.node->order, to_u16(b.type), b.seq};
    });
    const auto same_rrset = [](const Entry& a, const Entry& b) {
        return a.node == b.node && a.type == b.type;
    };
    std::size_t groups = 0;
    for (std::size_t i = 0; i < entries.size(); ++i)
        if (i == 0 || !same_rrset(entries[i - 1], entries[i])) ++groups;
    // Reserved exactly: the spans taken below must never see a reallocation.
    storage->rrsets.reserve(groups);
    storage->rdata.reserve(entries.size());
    prefault_huge_pages(storage->rrsets.data(), groups * sizeof(RrSet));
    prefault_huge_pages(storage->rdata.data(), entries.size() * sizeof(std::string_view));
    const std::span all{entries};
    std::size_t begin = 0;
    while (begin < entries.size()) {
        Node* node = entries[begin].node;
        const std::size_t node_first = storage->rrsets.size();
        while (begin < entries.size() && entries[begin].node == node) {
            std::size_t end = begin + 1;
            while (end < entries.size() && same_rrset(entries[begin], entries[end])) ++end;
            add_rrset(all.subspan(begin, end - begin));
            begin = end;
        }
        node->rrsets = std::span<const RrSet>{storage->rrsets}.subspan(node_first);
    }
    std::vector<Entry>{}.swap(entries); // the zone no longer needs them
}

void ZoneBuilder::State::check_apex() {
    const SourcePos file_pos{file, 0, 0};
    const auto apex = nodes.find(origin);
    if (apex == nodes.end() || !apex->second.find(RrType::soa)) {
        error(file_pos, fmt::format("no SOA record at the zone apex {}", text_of(origin)));
        return;
    }
    if (!apex->second.find(RrType::ns))
        error(file_pos, fmt::format("no NS records at the zone apex {}", text_of(origin)));
}

// Nodes in the order their first record appears, so messages come out in
// file order rather than hash order.
template <typename Named>
std::vector<Named> in_file_order(std::vector<Named> nodes) {
    std::sort(nodes.begin(), nodes.end(),
              [](const Named& a, const Named& b) { return a.second->order < b.second->order; });
    return nodes;
}

// One pass over the names finds the few that the checks look at.
void ZoneBuilder::State::check_names() {
    std::vector<Named> with_cname;
    std::vector<Named> with_ns;
    for (const auto& [name, node] : nodes)
        for (const auto& set : node.rrsets) {
            if (set.type == RrType::cname && node.rrsets.size() > 1)
                with_cname.emplace_back(name, &node);
            if (set.type == RrType::ns) with_ns.emplace_back(name, &node);
        }
    check_cname_exclusivity(std::move(with_cname));
    check_delegations(std::move(with_ns));
}

void ZoneBuilder::State::check_cname_exclusivity(std::vector<Named> with_cname) {
    for (const auto& [name, node] : in_file_order(std::move(with_cname))) {
        const RrSet* cname = node->find(RrType::cname);
        std::vector<RrSet> beside; // in file order, as the messages should be
        for (const auto& set : node->rrsets)
            if (set.type != RrType::cname && set.type != RrType::rrsig && set.type != RrType::nsec)
                beside.push_back(set);
        std::sort(beside.begin(), beside.end(),
                  [](const RrSet& a, const RrSet& b) { return a.line < b.line; });
        for (const auto& set : beside) {
            error({file, std::max(set.line, cname->line), 0},
                  fmt::format("{} has a CNAME and {} data (line {}): a CNAME must be the only "
                              "data at its name (RFC 1034 3.6.2)",
                              text_of(node->owner), type_name(set.type),
                              std::min(set.line, cname->line)));
        }
    }
}

void ZoneBuilder::State::check_delegations(std::vector<Named> with_ns) {
    std::unordered_set<std::string_view> cuts;
    for (const auto& [name, node] : with_ns)
        if (name != origin) cuts.insert(name);
    if (!cuts.empty()) {
        // Each name looks up its own ancestors: names x depth, not names x cuts.
        std::vector<std::pair<const Node*, std::string_view>> hidden; // node, its nearest cut
        for (const auto& [name, node] : nodes) {
            for (auto up = wire::parent_of(name); up.size() > origin.size();
                 up = wire::parent_of(up)) {
                if (!cuts.contains(up)) continue;
                hidden.emplace_back(&node, up);
                break;
            }
        }
        std::sort(hidden.begin(), hidden.end(),
                  [](const auto& a, const auto& b) { return a.first->order < b.first->order; });
        for (const auto& [node, cut] : hidden)
            for (const auto& set : node->rrsets) {
                if (set.type == RrType::a || set.type == RrType::aaaa) continue; // glue
                warning({file, set.line, 0},
                        fmt::format("{} {} is below the delegation at {} and is never served "
                                    "(only glue A/AAAA belongs there)",
                                    text_of(node->owner), type_name(set.type), text_of(cut)));
            }
    }
    // An in-zone name server without an address cannot be reached.
    for (const auto& [name, node] : in_file_order(std::move(with_ns))) {
        const RrSet* ns = node->find(RrType::ns);
        for (const auto& target : ns->rdata) {
            auto lowered = wire::Name::from_wire(wire::bytes_of(target));
            if (!lowered) continue;
            lowered->to_lower();
            if (!wire::is_subdomain(lowered->view(), origin)) continue;
            const auto it = nodes.find(lowered->view());
            if (it == nodes.end() ||
                (!it->second.find(RrType::a) && !it->second.find(RrType::aaaa)))
                warning({file, ns->line, 0},
                        fmt::format("name server {} of {} has no A or AAAA record in the zone",
                                    lowered->to_text(), text_of(node->owner)));
        }
    }
}

void ZoneBuilder::State::add_empty_non_terminals() {
    // A name that exists has had its own ancestors walked, so each walk
    // stops at the first ancestor that exists.
    std::vector<std::string_view> missing;
    for (const auto& [name, node] : nodes)
        for (auto up = wire::parent_of(name); up.size() > origin.size(); up = wire::parent_of(up)) {
            if (nodes.contains(up)) break;
            missing.push_back(up); // a suffix of a key: already in the arena
        }
    for (auto name : missing) nodes.try_emplace(name, Node{name, {}, next_order++});
}

ZoneBuilder::ZoneBuilder(std::string origin, std::string file, Diagnostics& diag)
    : state_{std::make_unique<State>()} {
    state_->origin = std::move(origin);
    state_->file = std::move(file);
    state_->diag = &diag;
}

ZoneBuilder::ZoneBuilder(ZoneBuilder&&) noexcept = default;
ZoneBuilder& ZoneBuilder::operator=(ZoneBuilder&&) noexcept = default;
ZoneBuilder::~ZoneBuilder() = default;

void ZoneBuilder::note_inputs(std::uint64_t digest) {
    state_->inputs = digest;
}

void ZoneBuilder::note_checks(std::uint64_t inventory_digest, bool warned) {
    state_->checked_with = inventory_digest;
    state_->warned_outside = warned;
}

void ZoneBuilder::expect_file_bytes(std::uintmax_t bytes) {
    // A zone file line is rarely shorter than ~24 bytes (a generated zone
    // of short names averages 30): reserved past that, the entries never
    // grow by copying, and capacity never written costs no memory. Names
    // mostly carry one to three records each.
    state_->entries.reserve(static_cast<std::size_t>(bytes / 24));
    state_->nodes.reserve(static_cast<std::size_t>(bytes / 40));
}

void ZoneBuilder::add(const RecordRef& r) {
    std::array<char, 256> buffer;
    const std::string_view lower = lower_wire_into(r.owner, buffer);
    if (!state_->accepts(r, lower)) return;
    Node& node = state_->node_for(r.owner, lower);
    const auto seq = static_cast<std::uint32_t>(state_->entries.size());
    state_->entries.push_back(
        {&node, state_->storage->bytes.store(r.rdata), r.at.file, r.at.line, r.ttl, seq, r.type});
}

void ZoneBuilder::for_each(const std::function<void(const AcceptedRecord&)>& visit) const {
    std::array<char, 256> buffer;
    for (const Entry& e : state_->entries)
        visit({e.node->owner, lower_wire_into(e.node->owner, buffer), e.type, e.rdata,
               SourcePos{e.file, e.line, 0}});
}

void ZoneBuilder::report_suppressed() {
    state_->report_suppressed();
}

std::size_t ZoneBuilder::record_count() const noexcept {
    return state_->entries.size();
}
const std::string& ZoneBuilder::origin() const noexcept {
    return state_->origin;
}

std::shared_ptr<const Zone> ZoneBuilder::finish() && {
    State& s = *state_;
    s.group_rrsets();
    s.check_apex();
    s.check_names();
    const bool failed = s.errors > 0;
    const ZoneFacts facts{s.inputs, s.checked_with, s.warnings == 0 && !s.warned_outside};
    s.report_suppressed();
    if (failed) return nullptr;
    s.add_empty_non_terminals();
    return std::make_shared<const Zone>(std::move(s.origin), std::move(s.file), std::move(s.nodes),
                                        std::move(s.storage), facts);
}

std::shared_ptr<const Zone> build_zone(const std::string& origin, const std::string& file,
                                       const std::vector<ScannedRecord>& records,
                                       Diagnostics& diag) {
    ZoneBuilder builder{origin, file, diag};
    for (const auto& r : records) builder.add(r);
    return std::move(builder).finish();
}

} // namespace phx::dns

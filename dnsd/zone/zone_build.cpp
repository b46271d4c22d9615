// SPDX-License-Identifier: GPL-3.0-or-later
// Zone validation. The checks are those that make an answer ambiguous or
// wrong if skipped: out-of-zone data, a missing or second SOA, no apex NS,
// CNAME beside other data (RFC 1034 §3.6.2, RFC 2181 §10.1), conflicting
// TTLs (RFC 2181 §5.2), and data hidden below a delegation.
#include "dnsd/zone/zone_build.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace phx::dns {
namespace {

std::string text_of(std::string_view wire_name) {
    return wire::name_to_text(wire::bytes_of(wire_name));
}

class ZoneBuilder {
public:
    ZoneBuilder(const std::string& origin, const std::string& file, Diagnostics& diag)
        : origin_{origin}, file_{file}, diag_{diag} {}

    void add(ScannedRecord&& r);
    std::shared_ptr<const Zone> finish();

private:
    bool accepts(const ScannedRecord& r);
    void add_to_rrset(Node& node, ScannedRecord&& r);
    void check_apex();
    void check_cname_exclusivity();
    void check_delegations();
    void add_empty_non_terminals();
    // Nodes in the order their first record appears, so messages come out
    // in file order rather than hash order.
    using NamedNode = std::pair<std::string_view, const Node*>; // lower-case name, node
    std::vector<NamedNode> nodes_in_file_order() const;

    const std::string& origin_;
    const std::string& file_;
    Diagnostics& diag_;
    Zone::NodeMap nodes_;
    std::size_t errors_at_start_ = diag_.error_count();
};

bool ZoneBuilder::accepts(const ScannedRecord& r) {
    const std::string owner = text_of(r.owner);
    if (r.rclass != to_u16(RrClass::in)) {
        diag_.error(r.at, fmt::format("{}: class {} is not supported, only IN", owner, r.rclass));
        return false;
    }
    if (!wire::is_subdomain(r.owner_lower, origin_)) {
        diag_.error(r.at, fmt::format("{} is outside the zone {}", owner, text_of(origin_)));
        return false;
    }
    if (r.type == RrType::soa && r.owner_lower != origin_) {
        diag_.error(r.at, fmt::format("SOA record at {}: the SOA belongs at the zone apex {}",
                                      owner, text_of(origin_)));
        return false;
    }
    if (r.type == RrType::dname) {
        diag_.error(r.at, fmt::format("{}: DNAME records are not supported", owner));
        return false;
    }
    return true;
}

void ZoneBuilder::add_to_rrset(Node& node, ScannedRecord&& r) {
    const std::string owner = text_of(r.owner);
    auto it = std::find_if(node.rrsets.begin(), node.rrsets.end(),
                           [&](const RrSet& s) { return s.type == r.type; });
    if (it == node.rrsets.end()) {
        node.rrsets.push_back(RrSet{r.type, r.ttl, {std::move(r.rdata)}, r.at.line});
        return;
    }
    const std::string first = fmt::format("the first is at line {}", it->line);
    if (r.type == RrType::soa) {
        diag_.error(r.at, fmt::format("a second SOA record at {} ({})", owner, first));
        return;
    }
    if (r.type == RrType::cname) {
        diag_.error(r.at,
                    fmt::format("a second CNAME at {}: a name has at most one ({})", owner, first));
        return;
    }
    if (std::find(it->rdata.begin(), it->rdata.end(), r.rdata) != it->rdata.end()) {
        diag_.warning(r.at, fmt::format("duplicate {} record at {} ignored ({})", type_name(r.type),
                                        owner, first));
        return;
    }
    if (r.ttl != it->ttl) {
        diag_.warning(
            r.at, fmt::format("TTL {} differs from the other {} records at {} (TTL {}, line {}); "
                              "the RRset uses the lowest (RFC 2181 5.2)",
                              r.ttl, type_name(r.type), owner, it->ttl, it->line));
        it->ttl = std::min(it->ttl, r.ttl);
    }
    it->rdata.push_back(std::move(r.rdata));
}

void ZoneBuilder::add(ScannedRecord&& r) {
    if (!accepts(r)) return;
    auto [it, inserted] = nodes_.try_emplace(r.owner_lower);
    if (inserted) it->second.owner = r.owner;
    add_to_rrset(it->second, std::move(r));
}

std::vector<ZoneBuilder::NamedNode> ZoneBuilder::nodes_in_file_order() const {
    std::vector<NamedNode> out;
    for (const auto& [name, node] : nodes_) out.emplace_back(name, &node);
    const auto first_line = [](const NamedNode& n) {
        std::uint32_t line = UINT32_MAX;
        for (const auto& set : n.second->rrsets) line = std::min(line, set.line);
        return line;
    };
    std::sort(out.begin(), out.end(), [&](const NamedNode& a, const NamedNode& b) {
        return std::pair{first_line(a), a.first} < std::pair{first_line(b), b.first};
    });
    return out;
}

void ZoneBuilder::check_apex() {
    const SourcePos file_pos{file_, 0, 0};
    const auto apex = nodes_.find(origin_);
    if (apex == nodes_.end() || !apex->second.find(RrType::soa)) {
        diag_.error(file_pos, fmt::format("no SOA record at the zone apex {}", text_of(origin_)));
        return;
    }
    if (!apex->second.find(RrType::ns))
        diag_.error(file_pos, fmt::format("no NS records at the zone apex {}", text_of(origin_)));
}

void ZoneBuilder::check_cname_exclusivity() {
    for (const auto& [name, node] : nodes_in_file_order()) {
        const RrSet* cname = node->find(RrType::cname);
        if (!cname) continue;
        for (const auto& set : node->rrsets) {
            if (set.type == RrType::cname || set.type == RrType::rrsig || set.type == RrType::nsec)
                continue;
            const std::uint32_t later = std::max(set.line, cname->line);
            const std::uint32_t earlier = std::min(set.line, cname->line);
            diag_.error(
                {file_, later, 0},
                fmt::format("{} has a CNAME and {} data (line {}): a CNAME must be the only "
                            "data at its name (RFC 1034 3.6.2)",
                            text_of(node->owner), type_name(set.type), earlier));
        }
    }
}

void ZoneBuilder::check_delegations() {
    const auto nodes = nodes_in_file_order();
    std::vector<std::string_view> cuts;
    for (const auto& [name, node] : nodes)
        if (name != origin_ && node->find(RrType::ns)) cuts.push_back(name);
    for (const auto& [name, node] : nodes) {
        for (auto cut : cuts) {
            if (name == cut || !wire::is_subdomain(name, cut)) continue;
            for (const auto& set : node->rrsets) {
                if (set.type == RrType::a || set.type == RrType::aaaa) continue; // glue
                diag_.warning({file_, set.line, 0},
                              fmt::format("{} {} is below the delegation at {} and is never served "
                                          "(only glue A/AAAA belongs there)",
                                          text_of(node->owner), type_name(set.type), text_of(cut)));
            }
        }
    }
    // An in-zone name server without an address cannot be reached.
    for (const auto& [name, node] : nodes) {
        const RrSet* ns = node->find(RrType::ns);
        if (!ns) continue;
        for (const auto& target : ns->rdata) {
            auto lowered = wire::Name::from_wire(wire::bytes_of(target));
            if (!lowered) continue;
            lowered->to_lower();
            if (!wire::is_subdomain(lowered->view(), origin_)) continue;
            const auto it = nodes_.find(lowered->view());
            if (it == nodes_.end() ||
                (!it->second.find(RrType::a) && !it->second.find(RrType::aaaa)))
                diag_.warning(
                    {file_, ns->line, 0},
                    fmt::format("name server {} of {} has no A or AAAA record in the zone",
                                lowered->to_text(), text_of(node->owner)));
        }
    }
}

void ZoneBuilder::add_empty_non_terminals() {
    std::vector<std::string> missing;
    for (const auto& [name, node] : nodes_) {
        for (auto up = wire::parent_of(name); up.size() > origin_.size(); up = wire::parent_of(up))
            if (!nodes_.contains(up)) missing.emplace_back(up);
    }
    for (auto& name : missing) {
        auto [it, inserted] = nodes_.try_emplace(name);
        if (inserted) it->second.owner = name;
    }
}

std::shared_ptr<const Zone> ZoneBuilder::finish() {
    check_apex();
    check_cname_exclusivity();
    check_delegations();
    if (diag_.error_count() > errors_at_start_) return nullptr;
    add_empty_non_terminals();
    for (auto& [name, node] : nodes_)
        std::sort(node.rrsets.begin(), node.rrsets.end(),
                  [](const RrSet& a, const RrSet& b) { return to_u16(a.type) < to_u16(b.type); });
    return std::make_shared<const Zone>(origin_, file_, std::move(nodes_));
}

} // namespace

std::shared_ptr<const Zone> build_zone(const std::string& origin, const std::string& file,
                                       std::vector<ScannedRecord> records, Diagnostics& diag) {
    ZoneBuilder builder{origin, file, diag};
    for (auto& r : records) builder.add(std::move(r));
    return builder.finish();
}

} // namespace phx::dns

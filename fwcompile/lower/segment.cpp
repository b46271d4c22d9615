// SPDX-License-Identifier: GPL-3.0-or-later
// Which run of accept rows each row of a chain joins: an accept row moves up
// past every drop or reject row it shares no packet with (see Segments).
#include "fwcompile/lower/detail.hpp"
#include "fwcompile/row_prefetch.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace phx::fw::detail {
namespace {

// Whether some packet could match both flows as a chain matches them: a
// "yes" when unsure is safe (the row then stays behind the other).
bool share_packets(const Flow& a, const Flow& b) {
    if (a.protocol != Protocol::any && b.protocol != Protocol::any && a.protocol != b.protocol)
        return false;
    const auto ports_meet = [](const PortList& x, const PortList& y) {
        if (x.any() || y.any()) return true;
        return std::any_of(x.ranges.begin(), x.ranges.end(), [&](const PortRange& p) {
            return std::any_of(y.ranges.begin(), y.ranges.end(), [&](const PortRange& q) {
                return p.first <= q.last && q.first <= p.last;
            });
        });
    };
    if (!ports_meet(a.ports, b.ports)) return false; // the cheapest test first
    const auto fa = a.family();
    const auto fb = b.family();
    if (fa && fb && *fa != *fb) return false;
    const auto addresses_meet = [](const AddressList& x, const AddressList& y) {
        if (x.any() || y.any()) return true;
        return std::any_of(x.items.begin(), x.items.end(), [&](const Address& p) {
            return std::any_of(y.items.begin(), y.items.end(),
                               [&](const Address& q) { return p.cidr.overlaps(q.cidr); });
        });
    };
    return addresses_meet(a.source, b.source) && addresses_meet(a.destination, b.destination);
}

// How many drop or reject rows an accept row compares itself with, at most,
// last first. A row that has not found the one it shares packets with by
// then stays behind the last it did not compare, which is always correct;
// the limit only bounds the work on policies where many rows could meet
// (the index below leaves out the ones that cannot).
constexpr std::size_t kHoistLimit = 64;

bool hosts_only(const AddressList& list) {
    return !list.any() && std::all_of(list.items.begin(), list.items.end(),
                                      [](const Address& a) { return a.cidr.is_host(); });
}

// The drop and reject rows of a chain so far, filed so that an accept row
// meets only those it could share a packet with. Most name single addresses
// on one side ("no telnet to X", "X sends no mail"): such a row is filed
// under those addresses, and only an accept row whose own side is "any" or
// holds one of them can meet it. The rest are wide and always compared.
//
// run_for looks at no more than the kHoistLimit + 1 latest candidates, so
// of a group taken whole (the wide rows, and every row filed on a side the
// accept row leaves "any") only that many latest ones are handed out: the
// latest of the union are among the latest of each group. Without that, a
// policy of thousands of drop rows would hand every accept row all of them.
class DenyIndex {
public:
    void add(const Flow& flow, std::uint32_t deny) {
        if (hosts_only(flow.destination))
            file(by_destination_, flow.destination, deny);
        else if (hosts_only(flow.source))
            file(by_source_, flow.source, deny);
        else
            wide_.push_back(deny);
    }

    // The denies `flow` may share packets with, last first, without repeats.
    void candidates(const Flow& flow, std::vector<std::uint32_t>& out) const {
        out.clear();
        latest(wide_, out);
        near(by_destination_, flow.destination, out);
        near(by_source_, flow.source, out);
        if (out.size() < 2) return;
        std::sort(out.begin(), out.end(), std::greater<>{});
        out.erase(std::unique(out.begin(), out.end()), out.end());
    }

private:
    struct Filed {
        std::multimap<IpAddress, std::uint32_t> by_address;
        std::vector<std::uint32_t> in_order; // each deny once, as filed
    };

    static void file(Filed& filed, const AddressList& side, std::uint32_t deny) {
        for (const Address& a : side.items) filed.by_address.emplace(a.cidr.address, deny);
        filed.in_order.push_back(deny);
    }
    static void latest(const std::vector<std::uint32_t>& in_order,
                       std::vector<std::uint32_t>& out) {
        constexpr std::size_t kNeeded = kHoistLimit + 1;
        const std::size_t from = in_order.size() > kNeeded ? in_order.size() - kNeeded : 0;
        out.insert(out.end(), in_order.begin() + static_cast<std::ptrdiff_t>(from), in_order.end());
    }
    // Those filed under an address `side` holds; the latest of them all for "any".
    static void near(const Filed& filed, const AddressList& side, std::vector<std::uint32_t>& out) {
        if (filed.in_order.empty()) return;
        if (side.any()) {
            latest(filed.in_order, out);
            return;
        }
        for (const Address& a : side.items) {
            const auto [first, end] =
                a.cidr.is_host() ? filed.by_address.equal_range(a.cidr.address)
                                 : std::pair{filed.by_address.lower_bound(a.cidr.network()),
                                             filed.by_address.upper_bound(a.cidr.broadcast())};
            for (auto it = first; it != end; ++it) out.push_back(it->second);
        }
    }

    Filed by_destination_;
    Filed by_source_;
    std::vector<std::uint32_t> wide_;
};

// The run an accept row joins: the one after the last deny it shares packets with.
std::size_t run_for(const Flow& flow, const Segments& segments, const DenyIndex& index,
                    std::vector<std::uint32_t>& scratch) {
    index.candidates(flow, scratch);
    for (std::size_t i = 0; i < scratch.size(); ++i)
        if (i == kHoistLimit || share_packets(segments.deny_flows[scratch[i]], flow))
            return scratch[i] + 1;
    return 0;
}

} // namespace

Segments segment(const std::vector<const Row*>& rows, const LowerContext& ctx) {
    Segments out;
    DenyIndex index;
    std::vector<std::uint32_t> scratch;
    Flow copy;
    for (std::size_t k = 0; k < rows.size(); ++k) {
        prefetch_ahead(rows, k);
        const Row* row = rows[k];
        const Flow& flow = flow_at(*row, ctx, copy);
        if (row->action != Action::accept) {
            index.add(flow, static_cast<std::uint32_t>(out.denies.size()));
            out.denies.push_back(row);
            out.deny_flows.push_back(flow);
            out.runs.emplace_back();
            continue;
        }
        out.runs[run_for(flow, out, index, scratch)].push_back(row);
    }
    return out;
}

} // namespace phx::fw::detail

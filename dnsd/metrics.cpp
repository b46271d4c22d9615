// SPDX-License-Identifier: GPL-3.0-or-later
// Counting and rendering. Series that are zero are left out, except the
// totals, so a scrape stays short.
#include "dnsd/metrics.hpp"

#include <algorithm>
#include <array>
#include <fmt/format.h>
#include <span>

namespace phx::dns {
namespace {

std::size_t type_index(RrType type) noexcept {
    const auto& types = QueryCounters::kTypes;
    const auto it = std::find(types.begin(), types.end() - 1, type);
    return static_cast<std::size_t>(it - types.begin()); // the last slot is "other"
}

std::size_t rcode_index(Rcode rcode) noexcept {
    const auto& rcodes = QueryCounters::kRcodes;
    const auto it = std::find(rcodes.begin(), rcodes.end() - 1, rcode);
    return static_cast<std::size_t>(it - rcodes.begin());
}

std::string rcode_name(std::size_t i) {
    constexpr std::array<const char*, 8> names{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                               "NOTIMP",  "REFUSED", "BADVERS",  "other"};
    return names[i];
}

std::string type_label(std::size_t i) {
    return i + 1 == QueryCounters::kTypes.size() ? "other" : type_name(QueryCounters::kTypes[i]);
}

// A counter kept two ways (false, true) per worker, summed over the workers.
template <typename Get>
std::array<std::uint64_t, 2> sum_both_ways(std::span<const QueryCounters* const> counters,
                                           Get get) {
    std::array<std::uint64_t, 2> sums{};
    for (const auto* c : counters)
        for (std::size_t i = 0; i < 2; ++i) sums[i] += get(*c, i == 1);
    return sums;
}

} // namespace

void QueryCounters::replied(Transport transport, RrType qtype, Rcode rcode) noexcept {
    replies_[transport == Transport::tcp ? 1 : 0][type_index(qtype)][rcode_index(rcode)].add();
}

std::string render_metrics(const MetricsSnapshot& s) {
    std::string out;
    out += "# HELP phx_dnsd_queries_total Replies sent, by transport, query type and rcode.\n"
           "# TYPE phx_dnsd_queries_total counter\n";
    std::uint64_t malformed[2] = {0, 0};
    for (std::size_t t = 0; t < 2; ++t)
        for (std::size_t q = 0; q < QueryCounters::kTypes.size(); ++q)
            for (std::size_t r = 0; r < QueryCounters::kRcodes.size(); ++r) {
                std::uint64_t n = 0;
                for (const auto* c : s.counters) n += c->replies(t, q, r);
                if (r == 1) malformed[t] += n;
                if (n == 0) continue;
                out += fmt::format(
                    "phx_dnsd_queries_total{{transport=\"{}\",qtype=\"{}\",rcode=\"{}\"}} {}\n",
                    t == 0 ? "udp" : "tcp", type_label(q), rcode_name(r), n);
            }
    std::uint64_t runts = 0;
    for (const auto* c : s.counters) runts += c->drops(DropReason::runt);
    out += fmt::format("# HELP phx_dnsd_malformed_total Messages that were not well-formed queries "
                       "(answered FORMERR, or too short to answer).\n"
                       "# TYPE phx_dnsd_malformed_total counter\n"
                       "phx_dnsd_malformed_total{{transport=\"udp\"}} {}\n"
                       "phx_dnsd_malformed_total{{transport=\"tcp\"}} {}\n",
                       malformed[0] + runts, malformed[1]);
    out += "# HELP phx_dnsd_dropped_total Messages that got no reply, by reason.\n"
           "# TYPE phx_dnsd_dropped_total counter\n";
    constexpr std::array<const char*, 4> reasons{"response", "runt", "oversized", "send_failed"};
    for (std::size_t i = 0; i < reasons.size(); ++i) {
        std::uint64_t n = 0;
        for (const auto* c : s.counters) n += c->drops(static_cast<DropReason>(i));
        out += fmt::format("phx_dnsd_dropped_total{{reason=\"{}\"}} {}\n", reasons[i], n);
    }
    const auto drains = sum_both_ways(
        s.counters, [](const QueryCounters& c, bool by_window) { return c.udp_drains(by_window); });
    out += fmt::format("# HELP phx_dnsd_udp_drains_total Times a worker drained a UDP socket: when "
                       "it became readable, or after a batch window under sustained load.\n"
                       "# TYPE phx_dnsd_udp_drains_total counter\n"
                       "phx_dnsd_udp_drains_total{{trigger=\"readable\"}} {}\n"
                       "phx_dnsd_udp_drains_total{{trigger=\"window\"}} {}\n",
                       drains[0], drains[1]);
    const auto verdicts = sum_both_ways(s.counters, [](const QueryCounters& c, bool window) {
        return c.udp_mode_verdicts(window);
    });
    out += fmt::format("# HELP phx_dnsd_udp_mode_verdicts_total Times a worker under sustained UDP "
                       "load measured its CPU per query with the batch window and waiting in "
                       "recvmmsg, and chose the mode.\n"
                       "# TYPE phx_dnsd_udp_mode_verdicts_total counter\n"
                       "phx_dnsd_udp_mode_verdicts_total{{mode=\"direct\"}} {}\n"
                       "phx_dnsd_udp_mode_verdicts_total{{mode=\"window\"}} {}\n",
                       verdicts[0], verdicts[1]);
    out += fmt::format("# HELP phx_dnsd_tcp_connections Open TCP connections.\n"
                       "# TYPE phx_dnsd_tcp_connections gauge\n"
                       "phx_dnsd_tcp_connections {}\n"
                       "# HELP phx_dnsd_tcp_refused_total TCP connections closed at once, by the "
                       "limit they hit: max_connections or max_connections_per_client.\n"
                       "# TYPE phx_dnsd_tcp_refused_total counter\n"
                       "phx_dnsd_tcp_refused_total{{limit=\"total\"}} {}\n"
                       "phx_dnsd_tcp_refused_total{{limit=\"client\"}} {}\n"
                       "# HELP phx_dnsd_reloads_total Reloads on SIGHUP, by result.\n"
                       "# TYPE phx_dnsd_reloads_total counter\n"
                       "phx_dnsd_reloads_total{{result=\"ok\"}} {}\n"
                       "phx_dnsd_reloads_total{{result=\"failed\"}} {}\n",
                       s.tcp_connections, s.tcp_refused_total_full, s.tcp_refused_client_full,
                       s.reloads_ok, s.reloads_failed);
    out += "# HELP phx_dnsd_zone_serial The SOA serial of each zone being served.\n"
           "# TYPE phx_dnsd_zone_serial gauge\n";
    out += s.zone_serials;
    out += s.resolver;
    return out;
}

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Transfer counting and rendering.
#include "dnsd/xfr/metrics.hpp"

#include "dnsd/wire/name.hpp"

#include <fmt/format.h>

namespace phx::dns::xfr {
namespace {

constexpr std::array<tsig::Error, 4> kTsigErrors{tsig::Error::badsig, tsig::Error::badkey,
                                                 tsig::Error::badtime, tsig::Error::badtrunc};

std::size_t tsig_index(tsig::Error e) {
    for (std::size_t i = 0; i < kTsigErrors.size(); ++i)
        if (kTsigErrors[i] == e) return i;
    return kTsigErrors.size();
}

} // namespace

void TransferCounters::count(const Summary& s) noexcept {
    by_kind_[static_cast<std::size_t>(s.kind)].add();
    messages_.add(s.messages);
    records_.add(s.records);
    if (const std::size_t i = tsig_index(s.tsig_error); i < tsig_errors_.size())
        tsig_errors_[i].add();
}

std::uint64_t TransferCounters::tsig_errors(tsig::Error e) const noexcept {
    const std::size_t i = tsig_index(e);
    return i < tsig_errors_.size() ? tsig_errors_[i].get() : 0;
}

std::string render_transfer_metrics(std::span<const TransferCounters* const> workers,
                                    const NotifyCounters& notify, std::size_t notify_pending,
                                    const TransferState* state) {
    const auto sum = [&](auto get) {
        std::uint64_t n = 0;
        for (const auto* w : workers) n += get(*w);
        return n;
    };
    std::string out = "# HELP phx_dnsd_transfers_total Zone transfers served, by type: axfr, ixfr "
                      "(differences from the journal), ixfr_full (the whole zone for an IXFR), "
                      "ixfr_soa (one SOA: the client is current, or asked over UDP).\n"
                      "# TYPE phx_dnsd_transfers_total counter\n";
    constexpr std::array<std::pair<Kind, const char*>, 4> types{{{Kind::axfr, "axfr"},
                                                                 {Kind::ixfr, "ixfr"},
                                                                 {Kind::ixfr_full, "ixfr_full"},
                                                                 {Kind::ixfr_soa, "ixfr_soa"}}};
    for (const auto& [kind, label] : types)
        out += fmt::format("phx_dnsd_transfers_total{{type=\"{}\"}} {}\n", label,
                           sum([k = kind](const TransferCounters& c) { return c.replies(k); }));
    out += fmt::format(
        "# HELP phx_dnsd_transfers_refused_total Transfer requests not served: refused (the "
        "[transfer] allow list, or not our zone), tsig (a bad signature), other (AXFR over UDP, "
        "a malformed IXFR).\n"
        "# TYPE phx_dnsd_transfers_refused_total counter\n"
        "phx_dnsd_transfers_refused_total{{reason=\"refused\"}} {}\n"
        "phx_dnsd_transfers_refused_total{{reason=\"tsig\"}} {}\n"
        "phx_dnsd_transfers_refused_total{{reason=\"other\"}} {}\n",
        sum([](const TransferCounters& c) { return c.replies(Kind::refused); }),
        sum([](const TransferCounters& c) { return c.replies(Kind::tsig_error); }),
        sum([](const TransferCounters& c) { return c.replies(Kind::other_error); }));
    out += fmt::format(
        "# HELP phx_dnsd_transfer_messages_total Messages and records sent in transfers and "
        "signed replies.\n"
        "# TYPE phx_dnsd_transfer_messages_total counter\n"
        "phx_dnsd_transfer_messages_total {}\n"
        "# HELP phx_dnsd_transfer_records_total Records sent in transfers.\n"
        "# TYPE phx_dnsd_transfer_records_total counter\n"
        "phx_dnsd_transfer_records_total {}\n"
        "# HELP phx_dnsd_signed_queries_total Ordinary queries signed with TSIG, answered and "
        "signed.\n"
        "# TYPE phx_dnsd_signed_queries_total counter\n"
        "phx_dnsd_signed_queries_total {}\n",
        sum([](const TransferCounters& c) { return c.messages(); }),
        sum([](const TransferCounters& c) { return c.records(); }),
        sum([](const TransferCounters& c) { return c.replies(Kind::signed_query); }));
    out += "# HELP phx_dnsd_tsig_errors_total Signed requests answered NOTAUTH, by TSIG error.\n"
           "# TYPE phx_dnsd_tsig_errors_total counter\n";
    for (const auto e : kTsigErrors)
        out += fmt::format("phx_dnsd_tsig_errors_total{{error=\"{}\"}} {}\n", tsig::error_text(e),
                           sum([e](const TransferCounters& c) { return c.tsig_errors(e); }));
    out += fmt::format(
        "# HELP phx_dnsd_notify_total NOTIFYs to secondaries (one per zone, serial and "
        "secondary), by outcome.\n"
        "# TYPE phx_dnsd_notify_total counter\n"
        "phx_dnsd_notify_total{{result=\"acknowledged\"}} {}\n"
        "phx_dnsd_notify_total{{result=\"refused\"}} {}\n"
        "phx_dnsd_notify_total{{result=\"superseded\"}} {}\n"
        "# HELP phx_dnsd_notify_retries_total NOTIFY messages sent again for want of a reply.\n"
        "# TYPE phx_dnsd_notify_retries_total counter\n"
        "phx_dnsd_notify_retries_total {}\n"
        "# HELP phx_dnsd_notify_pending NOTIFYs still waiting for a reply, retried until one "
        "comes.\n"
        "# TYPE phx_dnsd_notify_pending gauge\n"
        "phx_dnsd_notify_pending {}\n",
        notify.acknowledged.get(), notify.refused.get(), notify.superseded.get(),
        notify.retries.get(), notify_pending);
    if (!state) return out;
    out += "# HELP phx_dnsd_journal_versions Differences each zone's IXFR journal holds.\n"
           "# TYPE phx_dnsd_journal_versions gauge\n";
    std::string bytes = "# HELP phx_dnsd_journal_bytes Memory each zone's IXFR journal holds.\n"
                        "# TYPE phx_dnsd_journal_bytes gauge\n";
    for (const auto& zone : state->zones->zones()) {
        const Journal* j = state->journal(zone->origin());
        const std::string name = wire::name_to_text(wire::bytes_of(zone->origin()));
        out += fmt::format("phx_dnsd_journal_versions{{zone=\"{}\"}} {}\n", name,
                           j ? j->versions() : 0);
        bytes +=
            fmt::format("phx_dnsd_journal_bytes{{zone=\"{}\"}} {}\n", name, j ? j->bytes() : 0);
    }
    return out + bytes;
}

} // namespace phx::dns::xfr

// SPDX-License-Identifier: GPL-3.0-or-later
// Counters for transfers and signed queries, one set per worker (a single
// writer each, like QueryCounters), and their Prometheus text.
#pragma once

#include "dnsd/metrics.hpp"
#include "dnsd/xfr/outgoing.hpp"

#include <array>
#include <span>
#include <string>

namespace phx::dns::xfr {

class TransferCounters {
public:
    // One reply finished (every message written, or the connection lost).
    void count(const Summary& s) noexcept;

    static constexpr std::size_t kKinds = 8;
    [[nodiscard]] std::uint64_t replies(Kind k) const noexcept {
        return by_kind_[static_cast<std::size_t>(k)].get();
    }
    [[nodiscard]] std::uint64_t messages() const noexcept { return messages_.get(); }
    [[nodiscard]] std::uint64_t records() const noexcept { return records_.get(); }
    [[nodiscard]] std::uint64_t tsig_errors(tsig::Error e) const noexcept;

private:
    std::array<Counter, kKinds> by_kind_;
    Counter messages_;
    Counter records_;
    std::array<Counter, 4> tsig_errors_; // BADSIG, BADKEY, BADTIME, BADTRUNC
};

// NOTIFY outcomes, counted on the control thread.
struct NotifyCounters {
    Counter acknowledged;
    Counter refused;    // a reply saying no: not retried
    Counter superseded; // a newer serial came before the reply
    Counter retries;    // messages sent again for want of a reply
};

// The phx_dnsd_transfers_*, phx_dnsd_tsig_*, phx_dnsd_notify_* and
// phx_dnsd_journal_* series.
[[nodiscard]] std::string render_transfer_metrics(std::span<const TransferCounters* const> workers,
                                                  const NotifyCounters& notify,
                                                  std::size_t notify_pending,
                                                  const TransferState* state);

} // namespace phx::dns::xfr

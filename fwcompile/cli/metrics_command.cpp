// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw metrics: the live counters of phx-fw's tables in the Prometheus
// text format, for node_exporter's textfile collector (watch/metrics.hpp).
#include "fwcompile/cli/atomic_write.hpp"
#include "fwcompile/cli/commands.hpp"
#include "fwcompile/netlink/readback.hpp"
#include "fwcompile/watch/metrics.hpp"

#include <cstdio>
#include <fmt/format.h>
#include <system_error>

namespace phx::fw::cli {

int metrics(const Options& o) {
    netlink::Socket socket;
    const ir::Ruleset live = netlink::read_live_ruleset(socket);
    if (live.tables.empty()) {
        std::fputs("phx-fw: no table of phx-fw's is loaded (table inet phx, table bridge phx): "
                   "no counters to show\n",
                   stderr);
        return kFailed;
    }
    const std::string text = watch::prometheus_text(live);
    if (o.output.empty()) {
        std::fputs(text.c_str(), stdout);
        return kOk;
    }
    try {
        // The textfile collector may read at any moment: never half a file.
        write_atomically(o.output, text, 0644);
    } catch (const std::system_error& e) {
        fmt::print(stderr, "phx-fw: {}; {} is unchanged\n", e.what(), o.output);
        return kFailed;
    }
    return kOk;
}

} // namespace phx::fw::cli

// SPDX-License-Identifier: GPL-3.0-or-later
// The resolver's Prometheus lines: the cache (lookups, bytes against the
// budget), upstreams, scrubbing, per-client limits and loops. Called from
// the metrics thread: only counters and gauges are read.
#include "dnsd/resolver/resolver.hpp"

#include <fmt/format.h>

namespace phx::dns::resolver {

std::string Resolver::metrics() const {
    return cache_metrics() + forwarding_metrics();
}

std::string Resolver::cache_metrics() const {
    return fmt::format(
        "# HELP phx_dnsd_cache_lookups_total Forwarding cache lookups, by result.\n"
        "# TYPE phx_dnsd_cache_lookups_total counter\n"
        "phx_dnsd_cache_lookups_total{{result=\"hit\"}} {}\n"
        "phx_dnsd_cache_lookups_total{{result=\"miss\"}} {}\n"
        "phx_dnsd_cache_lookups_total{{result=\"stale\"}} {}\n"
        "# HELP phx_dnsd_cache_bytes Memory the forwarding cache holds, as counted for its "
        "budget.\n"
        "# TYPE phx_dnsd_cache_bytes gauge\n"
        "phx_dnsd_cache_bytes {}\n"
        "# HELP phx_dnsd_cache_budget_bytes The forwarding cache's budget (cache_bytes).\n"
        "# TYPE phx_dnsd_cache_budget_bytes gauge\n"
        "phx_dnsd_cache_budget_bytes {}\n"
        "# HELP phx_dnsd_cache_entries Entries in the forwarding cache.\n"
        "# TYPE phx_dnsd_cache_entries gauge\n"
        "phx_dnsd_cache_entries {}\n"
        "# HELP phx_dnsd_cache_too_large_total Answers not cached because they exceed "
        "cache_max_message_bytes.\n"
        "# TYPE phx_dnsd_cache_too_large_total counter\n"
        "phx_dnsd_cache_too_large_total {}\n",
        cache_hits_.get(), cache_misses_.get(), stale_served_.get(), cache_.bytes_gauge().get(),
        config_.cache_bytes, cache_.entries_gauge().get(), cache_too_large_.get());
}

std::string Resolver::forwarding_metrics() const {
    return fmt::format(
        "# HELP phx_dnsd_upstream_queries_total Queries sent to upstream resolvers, "
        "and those that failed.\n"
        "# TYPE phx_dnsd_upstream_queries_total counter\n"
        "phx_dnsd_upstream_queries_total {}\n"
        "phx_dnsd_upstream_failures_total {}\n"
        "# HELP phx_dnsd_upstream_backoffs_total Times an upstream was set aside after failing.\n"
        "# TYPE phx_dnsd_upstream_backoffs_total counter\n"
        "phx_dnsd_upstream_backoffs_total {}\n"
        "# HELP phx_dnsd_scrubbed_records_total Records dropped from upstream replies: outside "
        "the answer's chain, in our zones, or out of the question's zone.\n"
        "# TYPE phx_dnsd_scrubbed_records_total counter\n"
        "phx_dnsd_scrubbed_records_total {}\n"
        "# HELP phx_dnsd_chains_cut_total Upstream answers whose CNAME or DNAME chain led into "
        "our zones and was cut there.\n"
        "# TYPE phx_dnsd_chains_cut_total counter\n"
        "phx_dnsd_chains_cut_total {}\n"
        "# HELP phx_dnsd_forward_limited_total Queries turned away instead of waiting upstream: "
        "a client over max_outstanding_per_client (REFUSED), or max_outstanding (SERVFAIL).\n"
        "# TYPE phx_dnsd_forward_limited_total counter\n"
        "phx_dnsd_forward_limited_total{{limit=\"client\"}} {}\n"
        "phx_dnsd_forward_limited_total{{limit=\"total\"}} {}\n"
        "# HELP phx_dnsd_forwarding_loops_total Queries that came back to us "
        "through a forwarding loop.\n"
        "# TYPE phx_dnsd_forwarding_loops_total counter\n"
        "phx_dnsd_forwarding_loops_total {}\n",
        upstream_queries_.get(), upstream_failures_.get(), upstream_backoffs_.get(),
        scrubbed_records_.get(), chains_cut_.get(), limited_client_.get(), limited_total_.get(),
        loops_detected_.get());
}

} // namespace phx::dns::resolver

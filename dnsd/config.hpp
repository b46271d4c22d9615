// SPDX-License-Identifier: GPL-3.0-or-later
// phx-dnsd's configuration: the TOML file, with command-line overrides applied
// by main(). Unknown keys and bad values are errors with file:line:col.
#pragma once

#include "common/diag.hpp"
#include "common/net.hpp"
#include "dnsd/config_edns.hpp"
#include "dnsd/transfer_config.hpp"
#include "dnsd/zone/loader.hpp"
#include "dnsd/zone/serial_policy.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace phx::dns {

// Forwarding of names outside our zones to upstream resolvers, with a cache.
struct ForwardConfig {
    struct Upstream {
        Endpoint endpoint;
        SourcePos at; // where it was configured, for errors
    };
    std::vector<Upstream> upstreams;
    std::vector<Cidr> allow;                 // who may use forwarding and the cache
    std::chrono::milliseconds timeout{1000}; // per upstream attempt
    std::size_t max_outstanding = 1024;      // distinct questions waiting upstream
    // Queries one client (an IPv4 address, an IPv6 /64) may have waiting
    // upstream at once; more are REFUSED, so one client's slow names cannot
    // fill max_outstanding for everyone.
    std::size_t max_outstanding_per_client = 128;
    std::size_t cache_entries = 10000;
    // The cache's memory, counted on what it holds (names, rdata, per-record
    // and per-entry overhead), not on entries: one 64 KB reply can hold
    // thousands of records. A reply larger than cache_max_message_bytes is
    // answered but not cached, so a few cannot flush everything else.
    std::size_t cache_bytes = std::size_t{32} << 20;
    std::size_t cache_max_message_bytes = std::size_t{256} << 10;
    std::uint32_t max_ttl = 86400;         // cap for positive answers
    std::uint32_t max_negative_ttl = 3600; // cap for NXDOMAIN/NODATA (RFC 2308)
    bool serve_stale = true;               // RFC 8767, with TTL 30

    [[nodiscard]] bool enabled() const noexcept { return !upstreams.empty(); }
    // When no allow list is given only this host's own loopback may recurse.
    static std::vector<Cidr> default_allow();
};

// Names for the hosts of phx-fw's inventory (the rules file), served by
// phx-dnsd itself: see dnsd/zone/inventory_zones.hpp.
struct InventoryConfig {
    std::string file;            // the rules file
    std::string zone;            // presentation form; empty: the first [[zone]]
    std::string label = "hosts"; // names are <host>.<label>.<zone>; "" for <host>.<zone>
    std::uint32_t ttl = 300;
    SourcePos at;       // where the file was named
    SourcePos zone_at;  // where zone was set, if it was
    SourcePos label_at; // where label was set, if it was
};

inline constexpr unsigned kDefaultUdpBatchWindowUs = 500;
inline constexpr unsigned kMaxUdpBatchWindowUs = 10000;

struct DnsdConfig {
    std::vector<Endpoint> listen;
    std::vector<ZoneSource> zones;
    std::optional<InventoryConfig> inventory;
    SerialPolicy serial_policy = SerialPolicy::keep;
    unsigned workers = 0;               // 0: one per CPU
    std::uint16_t edns_udp_size = 1232; // DNS flag day 2020: no IP fragmentation
    std::size_t tcp_max_connections = 256;
    // Per client (an IPv4 address, an IPv6 /64): idle connections from one
    // address must not hold every slot for the idle timeout.
    std::size_t tcp_max_connections_per_client = 16;
    std::chrono::seconds tcp_idle_timeout{10}; // RFC 7766 §6.2.3: seconds, not minutes
    // Under sustained load, answer UDP in batches at most this far apart
    // (dnsd/net/udp_pacer.hpp): far fewer wake-ups for at most this much
    // added latency. An idle server still answers a lone query at once.
    std::chrono::microseconds udp_batch_window{kDefaultUdpBatchWindowUs};
    std::vector<std::uint8_t> nsid; // RFC 5001; empty: none (config_edns.hpp)
    CookieConfig cookies;
    RateLimitConfig rate_limit;
    ForwardConfig forward;
    std::string user;                       // drop root for this user after binding
    std::optional<Endpoint> metrics_listen; // Prometheus endpoint; keep it on loopback
    TransferConfig transfer;                // TSIG keys, AXFR/IXFR, NOTIFY
};

// Reads `path`. Relative zone file names are taken relative to the config
// file's directory, so a config and its zones can move together.
[[nodiscard]] std::optional<DnsdConfig> load_dnsd_config(const std::string& path,
                                                         Diagnostics& diag);
// The same for text in memory that `path` names (in messages, and as the
// base of relative zone paths).
[[nodiscard]] std::optional<DnsdConfig> parse_dnsd_config(std::string text, const std::string& path,
                                                          Diagnostics& diag);

// Whether a configuration without listen addresses is complete: not for
// serving, but `phx-dnsd --check --zone FILE` only checks zones.
enum class ListenAddresses { required, optional };

// Checks what both the file and the command line can get wrong: no listen
// address (unless optional), no zone, a listen address given twice, and an
// upstream that is this server itself (forwarding to it would loop).
void check_dnsd_config(const DnsdConfig& config, const std::string& origin_label, Diagnostics& diag,
                       ListenAddresses listen = ListenAddresses::required);

} // namespace phx::dns

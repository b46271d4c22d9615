// SPDX-License-Identifier: GPL-3.0-or-later
// Config file reading on top of common/config, the TOML layer phx-fw's rules
// file is read with too.
#include "dnsd/config.hpp"

#include "common/config/section.hpp"
#include "common/local_addresses.hpp"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>

namespace phx::dns {

using config::Document;
using config::NodeKind;
using config::Section;

namespace {

constexpr std::int64_t kMaxCacheBytes = std::int64_t{64} << 30;
constexpr std::int64_t kMaxCachedMessageBytes = std::int64_t{16} << 20;

std::string directory_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string{} : path.substr(0, slash + 1);
}

void read_server(const Section& s, DnsdConfig& config) {
    s.allow_only({"listen", "workers", "edns_udp_size", "udp_batch_window_us", "user",
                  "serial_policy", "nsid"});
    if (auto user = s.string("user")) config.user = std::string{user->value};
    read_nsid(s, config.nsid);
    if (auto policy = s.string("serial_policy")) {
        if (auto parsed = parse_serial_policy(policy->value))
            config.serial_policy = *parsed;
        else
            s.diag().error(policy->at,
                           fmt::format("serial_policy '{}' is not one of keep, increment, "
                                       "unixtime, dateserial",
                                       policy->value));
    }
    if (auto listen = s.strings("listen")) {
        for (const auto& item : *listen) {
            auto endpoint = Endpoint::parse(item.value);
            if (!endpoint) {
                s.diag().error(
                    item.at,
                    fmt::format("'{}' is not an address:port (e.g. 127.0.0.1:53 or [::1]:53)",
                                item.value));
                continue;
            }
            config.listen.push_back(*endpoint);
        }
    }
    if (auto workers = s.integer("workers", 0, 64))
        config.workers = static_cast<unsigned>(*workers);
    if (auto size = s.integer("edns_udp_size", 512, 4096))
        config.edns_udp_size = static_cast<std::uint16_t>(*size);
    if (auto window = s.integer("udp_batch_window_us", 0, kMaxUdpBatchWindowUs))
        config.udp_batch_window = std::chrono::microseconds{*window};
}

void read_tcp(const Section& s, DnsdConfig& config) {
    s.allow_only({"max_connections", "max_connections_per_client", "idle_timeout_seconds"});
    if (auto n = s.integer("max_connections", 1, 65535))
        config.tcp_max_connections = static_cast<std::size_t>(*n);
    if (auto n = s.integer("max_connections_per_client", 1, 65535))
        config.tcp_max_connections_per_client = static_cast<std::size_t>(*n);
    if (auto t = s.integer("idle_timeout_seconds", 1, 3600))
        config.tcp_idle_timeout = std::chrono::seconds{*t};
}

void read_forward(const Section& s, ForwardConfig& forward) {
    s.allow_only({"upstreams", "allow", "timeout_ms", "max_outstanding",
                  "max_outstanding_per_client", "cache_entries", "cache_bytes",
                  "cache_max_message_bytes", "max_ttl", "max_negative_ttl", "serve_stale"});
    if (auto upstreams = s.strings("upstreams")) {
        for (const auto& item : *upstreams) {
            auto endpoint = Endpoint::parse(item.value);
            if (!endpoint) {
                s.diag().error(item.at,
                               fmt::format("upstream '{}' is not an address:port (e.g. 1.1.1.1:53)",
                                           item.value));
                continue;
            }
            forward.upstreams.push_back({*endpoint, item.at});
        }
    }
    if (auto allow = s.strings("allow")) {
        for (const auto& item : *allow) {
            auto cidr = Cidr::parse(item.value);
            if (!cidr)
                s.diag().error(
                    item.at,
                    fmt::format("'{}' is not an address or prefix (e.g. 10.0.0.0/24)", item.value));
            else
                forward.allow.push_back(*cidr);
        }
    }
    if (auto t = s.integer("timeout_ms", 50, 30000))
        forward.timeout = std::chrono::milliseconds{*t};
    if (auto n = s.integer("max_outstanding", 1, 1000000))
        forward.max_outstanding = static_cast<std::size_t>(*n);
    if (auto n = s.integer("max_outstanding_per_client", 1, 1000000))
        forward.max_outstanding_per_client = static_cast<std::size_t>(*n);
    if (auto n = s.integer("cache_entries", 0, 10000000))
        forward.cache_entries = static_cast<std::size_t>(*n);
    if (auto n = s.integer("cache_bytes", 0, kMaxCacheBytes))
        forward.cache_bytes = static_cast<std::size_t>(*n);
    if (auto n = s.integer("cache_max_message_bytes", 512, kMaxCachedMessageBytes))
        forward.cache_max_message_bytes = static_cast<std::size_t>(*n);
    if (auto t = s.integer("max_ttl", 0, 604800)) forward.max_ttl = static_cast<std::uint32_t>(*t);
    if (auto t = s.integer("max_negative_ttl", 0, 86400))
        forward.max_negative_ttl = static_cast<std::uint32_t>(*t);
    if (auto b = s.boolean("serve_stale")) forward.serve_stale = *b;
}

void read_zones(const Section& top, const config::Node& zones, DnsdConfig& config) {
    const std::string base = directory_of(top.file().str());
    std::size_t number = 0;
    for (const config::Node& zone : top.doc().items(zones)) {
        ++number;
        if (zone.kind != NodeKind::table) {
            top.diag().error(top.at(zone), "each [[zone]] must be a table");
            continue;
        }
        const Section s{top.doc(), zone, "[[zone]]", top.file(), top.diag(), number};
        s.allow_only({"file", "origin"});
        auto path = s.string("file", true);
        if (!path) continue;
        ZoneSource source;
        source.file = (!path->value.empty() && path->value.front() == '/')
                          ? std::string{path->value}
                          : base + std::string{path->value};
        source.declared_at = path->at;
        if (auto origin = s.string("origin")) {
            source.origin = std::string{origin->value};
            source.declared_at = origin->at;
        }
        config.zones.push_back(std::move(source));
    }
}

void read_inventory(const Section& s, DnsdConfig& config) {
    s.allow_only({"file", "zone", "label", "ttl"});
    auto file = s.string("file", true);
    if (!file) return;
    InventoryConfig inventory;
    inventory.file = (!file->value.empty() && file->value.front() == '/')
                         ? std::string{file->value}
                         : directory_of(s.file().str()) + std::string{file->value};
    inventory.at = file->at;
    if (auto zone = s.string("zone")) {
        inventory.zone = std::string{zone->value};
        inventory.zone_at = zone->at;
    }
    if (auto label = s.string("label")) {
        inventory.label = std::string{label->value};
        inventory.label_at = label->at;
    }
    if (auto ttl = s.integer("ttl", 0, 604800)) inventory.ttl = static_cast<std::uint32_t>(*ttl);
    config.inventory = std::move(inventory);
}

void read_metrics(const Section& s, DnsdConfig& config) {
    s.allow_only({"listen"});
    auto listen = s.string("listen");
    if (!listen) return;
    if (auto endpoint = Endpoint::parse(listen->value))
        config.metrics_listen = endpoint;
    else
        s.diag().error(listen->at, fmt::format("'{}' is not an address:port (e.g. 127.0.0.1:9153)",
                                               listen->value));
}

} // namespace

namespace {

std::optional<DnsdConfig> read_config(const Document& doc, const std::string& path,
                                      Diagnostics& diag) {
    const std::size_t errors_before = diag.error_count();
    const FileName file{path};
    DnsdConfig config;
    const Section top{doc, doc.root(), "the top level", file, diag};
    top.allow_only(
        {"server", "tcp", "zone", "inventory", "forward", "metrics", "cookies", "rate_limit",
         "tsig_key", "transfer"});
    if (const config::Node* server = top.table("server"))
        read_server({doc, *server, "[server]", file, diag}, config);
    if (const config::Node* tcp = top.table("tcp"))
        read_tcp({doc, *tcp, "[tcp]", file, diag}, config);
    if (const config::Node* zones = top.array("zone")) read_zones(top, *zones, config);
    if (const config::Node* inventory = top.table("inventory"))
        read_inventory({doc, *inventory, "[inventory]", file, diag}, config);
    if (const config::Node* forward = top.table("forward"))
        read_forward({doc, *forward, "[forward]", file, diag}, config.forward);
    if (const config::Node* metrics = top.table("metrics"))
        read_metrics({doc, *metrics, "[metrics]", file, diag}, config);
    read_cookies_and_rate_limit(top, config.cookies, config.rate_limit);
    if (const config::Node* keys = top.array("tsig_key"))
        read_tsig_keys(top, *keys, config.transfer);
    if (const config::Node* transfer = top.table("transfer"))
        read_transfer({doc, *transfer, "[transfer]", file, diag}, config.transfer);
    if (diag.error_count() > errors_before) return std::nullopt;
    return config;
}

} // namespace

std::optional<DnsdConfig> load_dnsd_config(const std::string& path, Diagnostics& diag) {
    const auto doc = Document::load(path, diag);
    if (!doc) return std::nullopt;
    return read_config(*doc, path, diag);
}

std::optional<DnsdConfig> parse_dnsd_config(std::string text, const std::string& path,
                                            Diagnostics& diag) {
    const auto doc = Document::parse(std::move(text), path, diag);
    if (!doc) return std::nullopt;
    return read_config(*doc, path, diag);
}

namespace {

// Why forwarding to `upstream` would send queries back to ourselves, if it would.
std::optional<std::string> self_reference(const Endpoint& upstream,
                                          const std::vector<Endpoint>& listen) {
    for (const auto& l : listen) {
        if (l.port != upstream.port) continue;
        if (l.address == upstream.address)
            return fmt::format("{} is one of phx-dnsd's own listen addresses",
                               upstream.to_string());
        if (upstream.address.is_loopback())
            return fmt::format("{} is port {} on this host's loopback, where phx-dnsd listens",
                               upstream.to_string(), upstream.port);
        if (l.address.is_unspecified()) {
            const auto locals = local_addresses();
            if (std::find(locals.begin(), locals.end(), upstream.address) != locals.end())
                return fmt::format("{} is an address of this host, and phx-dnsd listens on {}",
                                   upstream.to_string(), l.to_string());
        }
    }
    return std::nullopt;
}

} // namespace

std::vector<Cidr> ForwardConfig::default_allow() {
    return {*Cidr::parse("127.0.0.0/8"), *Cidr::parse("::1/128")};
}

void check_dnsd_config(const DnsdConfig& config, const std::string& origin_label, Diagnostics& diag,
                       ListenAddresses listen) {
    if (config.listen.empty() && listen == ListenAddresses::required)
        diag.error({origin_label},
                   "no listen address: set [server] listen or pass --listen ADDR:PORT");
    if (config.zones.empty())
        diag.error({origin_label}, "no zone: add a [[zone]] or pass --zone FILE");
    for (std::size_t i = 0; i < config.listen.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (config.listen[i] == config.listen[j])
                diag.error({origin_label}, fmt::format("listen address {} is given twice",
                                                       config.listen[i].to_string()));
    check_transfer_config(config.transfer, origin_label, diag);
    for (const auto& upstream : config.forward.upstreams)
        if (auto why = self_reference(upstream.endpoint, config.listen))
            diag.error(
                upstream.at.file.empty() ? SourcePos{origin_label} : upstream.at,
                fmt::format("upstream {}: forwarding to it would loop back to this server", *why));
}

} // namespace phx::dns

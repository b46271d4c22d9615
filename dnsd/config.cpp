// SPDX-License-Identifier: GPL-3.0-or-later
// Config file reading on top of common/toml_util.
#include "dnsd/config.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "common/toml_util.hpp"

namespace phx::dns {
namespace {

std::string directory_of(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? std::string{} : path.substr(0, slash + 1);
}

void read_server(const TomlSection& s, DnsdConfig& config) {
    s.allow_only({"listen", "workers", "edns_udp_size"});
    if (auto listen = s.strings("listen")) {
        for (const auto& item : *listen) {
            auto endpoint = Endpoint::parse(item.value);
            if (!endpoint) {
                s.diag().error(item.at, fmt::format("'{}' is not an address:port (e.g. 127.0.0.1:53 or [::1]:53)",
                                                    item.value));
                continue;
            }
            config.listen.push_back(*endpoint);
        }
    }
    if (auto workers = s.integer("workers", 0, 64)) config.workers = static_cast<unsigned>(*workers);
    if (auto size = s.integer("edns_udp_size", 512, 4096)) config.edns_udp_size = static_cast<std::uint16_t>(*size);
}

void read_tcp(const TomlSection& s, DnsdConfig& config) {
    s.allow_only({"max_connections", "idle_timeout_seconds"});
    if (auto n = s.integer("max_connections", 1, 65535)) config.tcp_max_connections = static_cast<std::size_t>(*n);
    if (auto t = s.integer("idle_timeout_seconds", 1, 3600)) config.tcp_idle_timeout = std::chrono::seconds{*t};
}

void read_zones(const toml::array& zones, const std::string& file, DnsdConfig& config, Diagnostics& diag) {
    const std::string base = directory_of(file);
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const auto* table = zones[i].as_table();
        if (!table) {
            diag.error(position(file, zones[i].source()), "each [[zone]] must be a table");
            continue;
        }
        TomlSection s{*table, fmt::format("[[zone]] #{}", i + 1), file, diag};
        s.allow_only({"file", "origin"});
        auto path = s.string("file", true);
        if (!path) continue;
        ZoneSource source;
        source.file = (!path->value.empty() && path->value.front() == '/') ? path->value : base + path->value;
        source.declared_at = path->at;
        if (auto origin = s.string("origin")) {
            source.origin = origin->value;
            source.declared_at = origin->at;
        }
        config.zones.push_back(std::move(source));
    }
}

}  // namespace

std::optional<DnsdConfig> load_dnsd_config(const std::string& path, Diagnostics& diag) {
    auto root = load_toml_file(path, diag);
    if (!root) return std::nullopt;
    const std::size_t errors_before = diag.error_count();
    DnsdConfig config;
    TomlSection top{*root, "the top level", path, diag};
    top.allow_only({"server", "tcp", "zone"});
    if (const auto* server = top.table("server")) read_server({*server, "[server]", path, diag}, config);
    if (const auto* tcp = top.table("tcp")) read_tcp({*tcp, "[tcp]", path, diag}, config);
    if (const auto* zones = top.array("zone")) read_zones(*zones, path, config, diag);
    if (diag.error_count() > errors_before) return std::nullopt;
    return config;
}

void check_dnsd_config(const DnsdConfig& config, const std::string& origin_label, Diagnostics& diag) {
    if (config.listen.empty())
        diag.error({origin_label}, "no listen address: set [server] listen or pass --listen ADDR:PORT");
    if (config.zones.empty()) diag.error({origin_label}, "no zone: add a [[zone]] or pass --zone FILE");
    for (std::size_t i = 0; i < config.listen.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (config.listen[i] == config.listen[j])
                diag.error({origin_label}, fmt::format("listen address {} is given twice", config.listen[i].to_string()));
}

}  // namespace phx::dns

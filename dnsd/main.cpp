// SPDX-License-Identifier: GPL-3.0-or-later
// phx-dnsd: authoritative DNS server for the Phoenix network.
#include "common/log.hpp"
#include "dnsd/config.hpp"
#include "dnsd/net/server.hpp"
#include "dnsd/served_zones.hpp"
#include "dnsd/transfer_options.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/xfr/state.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <thread>

namespace {

using namespace phx;
using namespace phx::dns;

// Exit status 2, as for phx-fw: the command line itself was wrong.
constexpr int kUsageError = 2;

struct CommandLine {
    std::string config_file;
    std::vector<std::string> listen;
    std::vector<std::string> zones;
    std::vector<std::string> forward;
    std::vector<std::string> allow_recursion;
    TransferOptions transfer; // --tsig-key, --allow-transfer, --notify
    std::string user;
    std::string metrics_listen;
    std::string inventory;
    std::string serial_policy;
    unsigned workers = 0;
    std::optional<unsigned> udp_batch_window_us;
    EdnsCommandLine edns; // --nsid, --rate-limit*
    bool check = false;
};

// "FILE" or "ORIGIN=FILE".
ZoneSource zone_from_argument(const std::string& argument) {
    const auto eq = argument.find('=');
    if (eq == std::string::npos) return {argument, {}, {"--zone"}};
    return {argument.substr(eq + 1), argument.substr(0, eq), {"--zone"}};
}

template <typename T, typename Add>
void parse_each(const std::vector<std::string>& texts, const char* option, const char* example,
                Diagnostics& diag, Add add) {
    for (const auto& text : texts) {
        if (auto value = T::parse(text))
            add(*value);
        else
            diag.error({option}, fmt::format("'{}' is not valid here (e.g. {})", text, example));
    }
}

// The configuration the file and the command line describe together:
// --listen, --forward and --allow-recursion replace the file's lists,
// --zone adds to its zones. Read again, the same way, on every reload.
std::optional<DnsdConfig> build_config(const CommandLine& cl, Diagnostics& diag) {
    DnsdConfig config;
    if (!cl.config_file.empty()) {
        auto loaded = load_dnsd_config(cl.config_file, diag);
        if (!loaded) return std::nullopt;
        config = std::move(*loaded);
    }
    if (!cl.listen.empty()) config.listen.clear();
    parse_each<Endpoint>(cl.listen, "--listen", "127.0.0.1:5353 or [::1]:53", diag,
                         [&](const Endpoint& e) { config.listen.push_back(e); });
    for (const auto& z : cl.zones) config.zones.push_back(zone_from_argument(z));
    if (!cl.forward.empty()) config.forward.upstreams.clear();
    parse_each<Endpoint>(cl.forward, "--forward", "1.1.1.1:53", diag, [&](const Endpoint& e) {
        config.forward.upstreams.push_back({e, {"--forward"}});
    });
    if (!cl.allow_recursion.empty()) config.forward.allow.clear();
    parse_each<Cidr>(cl.allow_recursion, "--allow-recursion", "10.0.0.0/24", diag,
                     [&](const Cidr& c) { config.forward.allow.push_back(c); });
    apply_transfer_options(cl.transfer, config.transfer, diag);
    if (!cl.metrics_listen.empty())
        parse_each<Endpoint>({cl.metrics_listen}, "--metrics-listen", "127.0.0.1:9153", diag,
                             [&](const Endpoint& e) { config.metrics_listen = e; });
    if (!cl.user.empty()) config.user = cl.user;
    if (!cl.inventory.empty()) {
        if (!config.inventory) config.inventory.emplace();
        config.inventory->file = cl.inventory;
        config.inventory->at = {"--inventory"};
    }
    if (!cl.serial_policy.empty()) {
        if (auto policy = parse_serial_policy(cl.serial_policy))
            config.serial_policy = *policy;
        else
            diag.error({"--serial-policy"},
                       fmt::format("'{}' is not one of keep, increment, unixtime, dateserial",
                                   cl.serial_policy));
    }
    if (cl.workers > 0) config.workers = cl.workers;
    if (cl.udp_batch_window_us)
        config.udp_batch_window = std::chrono::microseconds{*cl.udp_batch_window_us};
    apply_edns_command_line(cl.edns, config.nsid, config.rate_limit, diag);
    if (config.workers == 0)
        config.workers = std::clamp(std::thread::hardware_concurrency(), 1u, 64u);
    // `--check --zone FILE` with no config checks zones, like nsd-checkzone;
    // a config file that will be served must say where.
    const bool zones_only = cl.check && cl.config_file.empty();
    check_dnsd_config(config, cl.config_file.empty() ? "command line" : cl.config_file, diag,
                      zones_only ? ListenAddresses::optional : ListenAddresses::required);
    if (diag.failed()) return std::nullopt;
    return config;
}

std::string zone_name(const Zone& z) {
    return wire::name_to_text(wire::bytes_of(z.origin()));
}

void print_summary(const DnsdConfig& config, const ZoneSet& zones) {
    for (const auto& zone : zones.zones())
        std::printf("zone %s: %zu records at %zu names, serial %u (%s)\n", zone_name(*zone).c_str(),
                    zone->record_count(), zone->node_count(), zone->serial(), zone->file().c_str());
    if (config.inventory) {
        const auto& label = config.inventory->label;
        std::printf("inventory %s: every host named <host>.%s%s, and its reverse zones\n",
                    config.inventory->file.c_str(), label.empty() ? "" : (label + ".").c_str(),
                    inventory_zone_text(config).c_str());
    }
    std::string listen;
    for (const auto& e : config.listen) listen += (listen.empty() ? "" : ", ") + e.to_string();
    if (listen.empty()) listen = "nowhere (zones checked only)";
    std::printf("listen %s; %u workers; EDNS UDP size %u; UDP batch window %lld us; TCP max %zu "
                "connections, %zu per client, idle timeout %llds\n",
                listen.c_str(), config.workers, config.edns_udp_size,
                static_cast<long long>(config.udp_batch_window.count()), config.tcp_max_connections,
                config.tcp_max_connections_per_client,
                static_cast<long long>(config.tcp_idle_timeout.count()));
    if (config.forward.enabled()) {
        std::string upstreams, allow;
        for (const auto& u : config.forward.upstreams)
            upstreams += (upstreams.empty() ? "" : ", ") + u.endpoint.to_string();
        const auto allowed =
            config.forward.allow.empty() ? ForwardConfig::default_allow() : config.forward.allow;
        for (const auto& c : allowed) allow += (allow.empty() ? "" : ", ") + c.to_string();
        const auto& f = config.forward;
        std::printf("forward other names to %s for %s; at most %zu waiting upstream, %zu per "
                    "client; cache %zu entries, %zu bytes, %zu bytes per message\n",
                    upstreams.c_str(), allow.c_str(), f.max_outstanding,
                    f.max_outstanding_per_client, f.cache_entries, f.cache_bytes,
                    f.cache_max_message_bytes);
    }
    if (config.metrics_listen)
        std::printf("metrics on http://%s/metrics\n", config.metrics_listen->to_string().c_str());
    std::printf("%s\n",
                describe_edns_extras(config.nsid, config.cookies, config.rate_limit).c_str());
    for (const auto& line : describe_transfer(config.transfer)) std::printf("%s\n", line.c_str());
}

// The last line of a passing --check, in phx-fw check's words, so that a
// script (and `phx-fw check --dns`, which runs this) reads the outcome and
// the warnings in one place: "phx-dnsd.toml: 2 zone(s) with the names of
// rules.toml: 0 error(s), 1 warning(s)".
void print_check_result(const CommandLine& cl, const DnsdConfig& config, const ZoneSet& zones,
                        const Diagnostics& diag) {
    const std::string source = cl.config_file.empty() ? "command line" : cl.config_file;
    const std::string names =
        config.inventory ? " with the names of " + config.inventory->file : std::string{};
    std::printf("%s: %zu zone(s)%s: %zu error(s), %zu warning(s)\n", source.c_str(),
                zones.zones().size(), names.c_str(), diag.error_count(), diag.warning_count());
}

// Whether `next` changes settings a reload cannot apply (sockets, threads,
// limits the transports and the resolver were built with).
bool needs_restart(const DnsdConfig& next, const DnsdConfig& running) {
    const auto& a = next.forward;
    const auto& b = running.forward;
    const bool forwarding_changed =
        a.upstreams.size() != b.upstreams.size() || a.allow != b.allow || a.timeout != b.timeout ||
        a.max_outstanding != b.max_outstanding ||
        a.max_outstanding_per_client != b.max_outstanding_per_client ||
        a.cache_entries != b.cache_entries || a.cache_bytes != b.cache_bytes ||
        a.cache_max_message_bytes != b.cache_max_message_bytes || a.max_ttl != b.max_ttl ||
        a.max_negative_ttl != b.max_negative_ttl || a.serve_stale != b.serve_stale;
    return next.listen != running.listen || next.workers != running.workers ||
           next.user != running.user || next.metrics_listen != running.metrics_listen ||
           next.udp_batch_window != running.udp_batch_window ||
           next.tcp_max_connections != running.tcp_max_connections ||
           next.tcp_max_connections_per_client != running.tcp_max_connections_per_client ||
           next.tcp_idle_timeout != running.tcp_idle_timeout || forwarding_changed;
}

// NSID, cookies and rate limiting are given to the workers at start.
bool edns_extras_changed(const DnsdConfig& next, const DnsdConfig& running) {
    return next.nsid != running.nsid || !(next.cookies == running.cookies) ||
           !(next.rate_limit == running.rate_limit);
}

// SIGHUP: config and zones are read and checked again; only a complete,
// valid set replaces what is served. Settings that need new sockets or
// threads are reported, not applied.
void log_serials(const std::vector<SerialReport>& reports, SerialPolicy policy,
                 const char* prefix) {
    for (const auto& r : reports) {
        if (r.stale)
            log::warning("{}{}", prefix, describe(r, policy));
        else
            log::info("{}{}", prefix, describe(r, policy));
    }
}

// SIGHUP: config, inventory and zones are read and checked again; only a
// complete, valid set replaces what is served. Settings that need new
// sockets or threads are reported, not applied.
std::shared_ptr<const xfr::TransferState>
reload(const CommandLine& cl, const DnsdConfig& running,
       std::shared_ptr<const xfr::TransferState>& current) {
    Diagnostics diag;
    auto config = build_config(cl, diag);
    auto loaded = config ? load_served_zones(*config, diag, current->zones.get()) : nullptr;
    for (const auto& d : diag.all()) {
        if (d.severity == Severity::error)
            log::error("reload: {}", d.to_string());
        else
            log::warning("reload: {}", d.to_string());
    }
    if (!loaded) {
        log::error("reload failed with {} error(s); still serving the zones loaded before",
                   diag.error_count());
        return nullptr;
    }
    std::vector<SerialReport> reports;
    auto zones = apply_serial_policy(*loaded, current->zones.get(), config->serial_policy,
                                     std::time(nullptr), reports);
    log_serials(reports, config->serial_policy, "reload: ");
    for (const auto& old : current->zones->zones())
        if (!zones->find(old->origin()) || zones->find(old->origin())->origin() != old->origin())
            log::info("reload: zone {} is no longer served", zone_name(*old));
    if (needs_restart(*config, running))
        log::warning("reload: changes to listen addresses, workers, user, TCP limits, forwarding, "
                     "metrics or the UDP batch window take effect at restart");
    if (edns_extras_changed(*config, running))
        log::warning("reload: changes to nsid, [cookies] and [rate_limit] take effect at restart");
    current = xfr::next_state(current.get(), zones, config->transfer);
    return current;
}

int serve(const CommandLine& cl, const DnsdConfig& config, std::shared_ptr<const ZoneSet> zones) {
    net::ServerOptions options{config.listen,
                               config.workers,
                               {config.edns_udp_size, config.tcp_max_connections,
                                config.tcp_max_connections_per_client, config.tcp_idle_timeout,
                                config.udp_batch_window},
                               config.forward,
                               config.metrics_listen,
                               config.user,
                               {config.nsid, config.cookies, config.rate_limit}};
    auto current = xfr::next_state(nullptr, zones, config.transfer);
    net::Server server{options, current};
    for (const auto& e : config.listen) log::info("listening on {} (udp, tcp)", e.to_string());
    for (const auto& z : zones->zones())
        log::info("serving {} serial {} from {}", zone_name(*z), z->serial(), z->file());
    for (const auto& u : config.forward.upstreams)
        log::info("forwarding other names to {}", u.endpoint.to_string());
    if (config.metrics_listen)
        log::info("metrics on http://{}/metrics", config.metrics_listen->to_string());
    server.run([&] { return reload(cl, config, current); });
    log::info("stopped");
    return 0;
}

void add_edns_options(CLI::App& app, EdnsCommandLine& edns) {
    app.add_option("--nsid", edns.nsid,
                   "TEXT (or hex:HEX) sent as the NSID (RFC 5001) to clients that ask for it; "
                   "replaces [server] nsid");
    app.add_option("--rate-limit", edns.rate_limit,
                   "N: UDP responses per second per bucket (client /24 or /56, kind of response, "
                   "name) for clients outside the recursion allow list; 0: off; replaces "
                   "[rate_limit] responses_per_second")
        ->check(CLI::Range(0u, 10000u));
    app.add_option("--rate-limit-slip", edns.rate_limit_slip,
                   "N: every Nth limited response is sent truncated (TC) so a real client "
                   "retries over TCP; 0: drop all, 1: truncate all")
        ->check(CLI::Range(0u, 100u));
    app.add_option("--rate-limit-window", edns.rate_limit_window,
                   "SECONDS: a source over the limit stays limited until its rate over this "
                   "window is back under it; 0: a plain token bucket")
        ->check(CLI::Range(0u, 3600u));
}

} // namespace

int main(int argc, char** argv) {
    log::set_program("phx-dnsd");
    CommandLine cl;
    CLI::App app{
        "phx-dnsd: authoritative DNS server for internal.thinkheads.ai and other zones, and the\n"
        "forwarding resolver for the hosts allowed to use it.\n"
        "Answers from RFC 1035 zone files over UDP and TCP, with EDNS(0).",
        "phx-dnsd"};
    app.add_option("-c,--config", cl.config_file,
                   "TOML configuration file (e.g. /etc/phoenix/phx-dnsd.toml)");
    app.add_option("-l,--listen", cl.listen,
                   "ADDR:PORT to serve on, repeatable; replaces the config's list");
    app.add_option("-z,--zone", cl.zones,
                   "zone file [ORIGIN=]FILE, repeatable; the origin defaults to the file name "
                   "without .zone; adds to the config's zones");
    app.add_option(
        "-f,--forward", cl.forward,
        "upstream resolver ADDR:PORT for names outside our zones, repeatable, tried in order; "
        "replaces the config's list");
    app.add_option("--allow-recursion", cl.allow_recursion,
                   "CIDR allowed to use forwarding and the cache, repeatable (default: loopback); "
                   "replaces the config's list");
    app.add_option("--tsig-key", cl.transfer.keys,
                   "TSIG key NAME:ALGORITHM:BASE64SECRET (hmac-sha256, hmac-sha512, ...), "
                   "repeatable; adds to the config's keys. Visible in ps: in production use "
                   "[[tsig_key]] secret_file");
    app.add_option("--allow-transfer", cl.transfer.allow,
                   "CIDR[:KEYNAME] allowed to transfer our zones (AXFR, IXFR), repeatable; with "
                   "a key, only requests signed with it ([2001:db8::/64]:KEYNAME for IPv6); "
                   "replaces the config's list");
    app.add_option("--notify", cl.transfer.notify,
                   "ADDR:PORT[:KEYNAME] of a secondary to send NOTIFY to when a serial changes, "
                   "repeatable, signed with the key if given; replaces the config's list");
    app.add_option("--metrics-listen", cl.metrics_listen,
                   "ADDR:PORT for the Prometheus endpoint /metrics");
    app.add_option("-i,--inventory", cl.inventory,
                   "phx-fw rules file whose hosts get names (<host>.hosts.<zone>) and reverse "
                   "zones; replaces the config's [inventory] file");
    app.add_option("--serial-policy", cl.serial_policy,
                   "keep, increment, unixtime or dateserial: the SOA serial of a zone whose "
                   "content changed at a reload (default keep: the file's, and a warning)");
    app.add_option("-u,--user", cl.user, "after binding, give up root and run as this user");
    app.add_option("-w,--workers", cl.workers, "worker threads (default: one per CPU)")
        ->check(CLI::Range(1, 64));
    app.add_option("--udp-batch-window", cl.udp_batch_window_us,
                   "USEC: under sustained load, collect UDP queries this long and answer them "
                   "in one batch (0: off; a lone query is always answered at once)")
        ->check(CLI::Range(0u, kMaxUdpBatchWindowUs));
    add_edns_options(app, cl.edns);
    app.add_flag("--check", cl.check,
                 "load and validate the configuration and zones, print a summary, exit 0 or 1");
    app.set_version_flag("-V,--version", std::string{"phx-dnsd "} + PHX_VERSION);
    app.footer(
        "Signals: SIGHUP re-reads the configuration and zones and swaps them in only if all are\n"
        "valid (else the old ones keep serving); SIGTERM/SIGINT stop gracefully.\n"
        "Under systemd (Type=notify) it reports READY, RELOADING and STOPPING.\n"
        "Exit status: 0 on a clean stop or a passing --check; 1 on an error in the configuration,\n"
        "the zones or while serving; 2 on a usage error (an unknown option, a bad value).\n"
        "Example: phx-dnsd --listen 127.0.0.1:5353 --zone zones/internal.thinkheads.ai.zone");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kUsageError; // --help and --version are not errors
    }

    Diagnostics diag;
    auto config = build_config(cl, diag);
    auto loaded = config ? load_served_zones(*config, diag) : nullptr;
    diag.print(stderr);
    if (!config || !loaded) {
        std::fprintf(stderr, "phx-dnsd: %zu error(s), %zu warning(s); nothing is served\n",
                     diag.error_count(), diag.warning_count());
        return 1;
    }
    std::vector<SerialReport> reports;
    auto zones =
        apply_serial_policy(*loaded, nullptr, config->serial_policy, std::time(nullptr), reports);
    if (cl.check) {
        print_summary(*config, *zones);
        print_check_result(cl, *config, *zones, diag);
        return 0;
    }
    try {
        return serve(cl, *config, std::move(zones));
    } catch (const std::exception& e) {
        log::error("{}", e.what());
        return 1;
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw: compiles the Phoenix firewall rows into one nftables transaction.
#include "fwcompile/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <exception>
#include <string_view>
#include <system_error>

namespace {

using phx::fw::cli::kFailed;
using phx::fw::cli::kOk;
using phx::fw::cli::kUsageError;
using phx::fw::cli::Options;

constexpr const char* kIntro =
    "phx-fw: the Phoenix firewall compiler. It reads the inventory and the firewall rows of a "
    "rules file\n"
    "and installs them as table inet phx in one atomic nf_tables transaction (libnftnl, no nft "
    "binary).\n"
    "Every chain drops by default; a row admits its flow at every point the flow crosses.";

constexpr const char* kFooter =
    "Hosts may be given by name, Proxmox id or address (--host 101, --host nginx, --host "
    "10.0.0.153).\n"
    "Without --rules: /etc/phoenix/rules.toml, the installed rules file.\n\n"
    "Exit status: 0 success; 1 an error in the rules file or in the operation (refused by the\n"
    "kernel, no access to nf_tables); 2 a usage error (an unknown option, a bad value);\n"
    "diff: 0 no change, 3 changes pending;\n"
    "apply --confirm: 0 confirmed, 1 nothing applied (or the rollback failed), 3 rolled back.\n\n"
    "Environment: PHX_FW_RUNTIME_DIR is where apply --confirm keeps its state (default\n"
    "/run/phx-fw).\n\n"
    "Examples:\n"
    "  phx-fw explain nginx traefik tcp 80\n\n"
    "  phx-fw apply --confirm 60 (then from a second SSH session: phx-fw confirm)\n\n"
    "  phx-fw graph | dot -Tsvg > policy.svg\n\n"
    "  phx-fw watch --count 10";

constexpr const char* kClusterFooter =
    "In a cluster, one rules file (in /etc/pve, which pmxcfs copies to every node) lists the\n"
    "other nodes as [[node]]s, and on each node the hypervisor is that node: the one whose\n"
    "address this machine has, else the one named like this machine, else [hypervisor] as\n"
    "written; --node NAME says which. With --if-changed, apply first reads the live tables and\n"
    "sends nothing when they already are what the rules compile to (as diff compares them);\n"
    "phx-fw-cluster.service runs it from a timer.\n\n";

constexpr const char* kConfirmFooter =
    "With --confirm SECONDS, phx-fw first saves the live table inet phx (chains, sets, elements,\n"
    "rules, comments and counters) and has the kernel check that it could be put back; if the\n"
    "table holds anything phx-fw cannot restore exactly, it refuses and applies nothing. Then it\n"
    "applies the new table and waits. `phx-fw confirm` from any shell in the same network\n"
    "namespace, or Enter on this terminal, keeps it. Without a confirmation in time the saved\n"
    "table comes back in one transaction, counters included (when there was none, the new one\n"
    "is removed); if the ruleset changed meanwhile, phx-fw says so and restores it anyway.\n"
    "A detached keeper process owns the timer: a hangup, a closed SSH session or a killed\n"
    "phx-fw does not stop the rollback. Ctrl-C restores the previous table at once. While an\n"
    "apply waits, apply and flush refuse to run. State and a log live in $PHX_FW_RUNTIME_DIR\n"
    "(default /run/phx-fw), one set per network namespace.";

void add_rules(CLI::App* sub, Options& o, const char* help) {
    sub->add_option_function<std::string>(
           "-r,--rules",
           [&o](const std::string& path) {
               o.rules = path;
               o.rules_given = true;
           },
           help)
        ->option_text("FILE");
}

CLI::App* command(CLI::App& app, Options& o, const char* name, const char* help) {
    CLI::App* sub = app.add_subcommand(name, help);
    add_rules(sub, o, "the rules file (TOML); default /etc/phoenix/rules.toml");
    return sub;
}

void add_host(CLI::App* sub, Options& o, const char* help) {
    sub->add_option("-H,--host", o.host, help);
}

// For the commands that compile the rules: which node of a cluster this is.
void add_node(CLI::App* sub, Options& o) {
    sub->add_option("--node", o.node,
                    "compile for this node of the cluster ([hypervisor]'s name or a [[node]]'s); "
                    "default: the node whose address this machine has")
        ->option_text("NAME");
}

// --pve alone means Proxmox's own directory.
void add_pve(CLI::App* sub, Options& o, const char* help) {
    sub->add_option("--pve", o.pve, help)
        ->expected(0, 1)
        ->default_str(phx::fw::cli::kProxmoxDir)
        ->option_text("[DIR]");
}

// The subcommands, and which of them the command line chose.
struct Commands {
    CLI::App* check;
    CLI::App* inventory;
    CLI::App* show;
    CLI::App* diff;
    CLI::App* apply;
    CLI::App* explain;
    CLI::App* list;
    CLI::App* flush;
    CLI::App* confirm;
    CLI::App* graph;
    CLI::App* zone;
    CLI::App* watch;
    CLI::App* metrics;
};

void build_explain(CLI::App& app, Options& o, Commands& c) {
    c.explain =
        command(app, o, "explain", "Say which row (or the policy) decides a flow at each point");
    c.explain->add_option("SRC", o.source, "source: host name, id or address, or any address")
        ->required();
    c.explain
        ->add_option("DST", o.destination, "destination: host name, id or address, or any address")
        ->required();
    c.explain->add_option("PROTO", o.protocol, "tcp, udp, icmp or icmpv6")->required();
    c.explain->add_option("PORT", o.port, "destination port (tcp and udp)");
    add_node(c.explain, o);
}

void build_graph(CLI::App& app, Options& o, Commands& c) {
    c.graph = command(app, o, "graph",
                      "Print a Graphviz DOT picture of the hosts and the flows each row admits");
    c.graph->footer(
        "Hosts are boxes (name, Proxmox id, address) inside the bridge's network; 'any', CIDRs\n"
        "and outside addresses are nodes of their own. An edge is a row's flow as its scope\n"
        "makes it, labelled protocol/port; rows with the same ends, scope and action share one.\n"
        "The colour tells the rule table (scope), a legend says which; drop and reject rows are\n"
        "dashed or dotted with a bar head. Render: phx-fw graph | dot -Tsvg > policy.svg");
    add_node(c.graph, o);
}

// Removed: phx-dnsd reads the inventory itself. Kept hidden so scripts that
// still call it learn where reverse names come from now.
void build_zone(CLI::App& app, Options&, Commands& c) {
    c.zone = app.add_subcommand("zone", "")->group("");
    c.zone->allow_extras();
}

// What the live tables do: the drops as they happen (watch), and the counters (metrics).
void build_watch(CLI::App& app, Options& o, Commands& c) {
    c.watch =
        command(app, o, "watch",
                "Show each packet the chains drop, with the nearest rows and a row to allow it");
    c.watch->add_option("-c,--count", o.count, "stop after N dropped packets")->option_text("N");
    c.watch->add_option("-s,--seconds", o.seconds, "stop after S seconds")->option_text("S");
    add_node(c.watch, o);
    c.watch->footer(
        "Reads the NFLOG group of the rules file's [logging] section (default 100), to which\n"
        "every chain logs what its policy drops (rate-limited). Each drop is one line: the time,\n"
        "the enforcement point, the flow with host names, the rows nearest to admitting it;\n"
        "then a [[rule]] to paste into the rules file to allow it. Stops after --count drops,\n"
        "after --seconds, or on Ctrl-C or SIGTERM, with exit status 0.");
}

void build_metrics(CLI::App& app, Options& o, Commands& c) {
    c.metrics = command(app, o, "metrics",
                        "Print the live counters in the Prometheus text format (node_exporter)");
    c.metrics
        ->add_option("-o,--output", o.output,
                     "write them to FILE atomically (the textfile collector's *.prom) instead of "
                     "stdout")
        ->option_text("FILE");
    c.metrics->footer(
        "phx_fw_rule_{packets,bytes}_total{table,chain,comment} per row (set elements by their\n"
        "row's comment), phx_fw_policy_drop_{packets,bytes}_total{chain} and\n"
        "phx_fw_binding_drop_{packets,bytes}_total{comment}. Exit status 1 when no table of\n"
        "phx-fw's is loaded.");
}

// check: the rules file alone, or against Proxmox's guests or phx-dnsd's zones.
void build_check(CLI::App& app, Options& o, Commands& c) {
    c.check = command(app, o, "check", "Validate and lint the rules file; exit 1 on errors");
    add_pve(c.check, o, "also compare the inventory with Proxmox's guests in DIR (/etc/pve)");
    c.check
        ->add_option("--dns", o.dns,
                     "also check the inventory against the zones of phx-dnsd's configuration "
                     "FILE (/etc/phoenix/phx-dnsd.toml)")
        ->expected(0, 1)
        ->default_str(phx::fw::cli::kDnsdConfig)
        ->option_text("[FILE]");
    add_node(c.check, o);
    c.check->footer(
        "Warns about duplicate and shadowed rows, rows that can never match, overlapping list\n"
        "entries and addresses in the guest network that belong to no host.\n\n"
        "With --pve, reads DIR/lxc/*.conf and DIR/qemu-server/*.conf and reports every difference\n"
        "from the inventory at file:line on both sides: a guest on one side only, a different\n"
        "kind, address, MAC or name, a bridge the inventory does not list, firewall=1 on a\n"
        "device. Exit status 1 when the rules file or the comparison has errors.\n\n"
        "With --dns, runs phx-dnsd --check --config FILE --inventory RULES (phx-dnsd beside\n"
        "phx-fw, else from PATH): phx-dnsd loads its zones with this rules file as their\n"
        "inventory: a zone record at a host's name is an error naming both files, a zone name\n"
        "pointing into the network at an address no host has is a warning. Run it before\n"
        "applying a changed inventory, then systemctl reload phx-dnsd.");
}

// inventory: the [[guest]]s of Proxmox's guest configurations.
void build_inventory(CLI::App& app, Options& o, Commands& c) {
    c.inventory = app.add_subcommand(
        "inventory", "Print an inventory ([hypervisor], [[guest]]) from Proxmox's guests");
    add_pve(c.inventory, o, "Proxmox's configuration directory (default /etc/pve)");
    add_rules(c.inventory, o, "keep this rules file's [hypervisor] (default: one to fill in)");
    c.inventory->footer(
        "One [[guest]] per DIR/lxc/<ID>.conf and DIR/qemu-server/<ID>.conf: id, kind, name,\n"
        "address (a container's ip=, a VM's cloud-init ipconfig0), mac, and port where\n"
        "Proxmox's is not veth<ID>i0 or tap<ID>i0; comments say what to fill in or rename.\n"
        "With --rules, that file's [hypervisor] is kept; without, [hypervisor] has the guests'\n"
        "network and bridge and asks for the hypervisor's address. Then, for example:\n"
        "  phx-fw inventory --pve > /root/rules.new; $EDITOR /root/rules.new");
}

void build_show(CLI::App& app, Options& o, Commands& c) {
    c.show =
        command(app, o, "show", "Print the compiled ruleset in nft syntax (nft -c -f accepts it)");
    add_host(c.show, o, "compile for this host's own input/output instead of the hypervisor");
    add_node(c.show, o);
}

void build_diff(CLI::App& app, Options& o, Commands& c) {
    c.diff = command(app, o, "diff", "Show what apply would change in the live table inet phx");
    add_host(c.diff, o, "compare with what --host would install");
    add_node(c.diff, o);
    c.diff->footer("Exit status 0 when the live table is what the rules compile to, 3 when "
                   "changes are\npending (shown as a unified diff), 1 on an error.");
}

void build_apply(CLI::App& app, Options& o, Commands& c) {
    c.apply =
        command(app, o, "apply", "Install the rules as table inet phx in one atomic transaction");
    add_host(c.apply, o,
             "install one host's own input/output chains, for a guest that filters itself");
    add_node(c.apply, o);
    c.apply->add_flag("--if-changed", o.if_changed,
                      "send nothing when the live tables already are what the rules compile to "
                      "(their counters keep counting)");
    c.apply->add_flag("-f,--force", o.force,
                      "apply even when it would lock out this SSH session, or when --host names a "
                      "host this machine is not");
    auto* dry_run = c.apply->add_flag("-n,--dry-run", o.dry_run,
                                      "send the batch without committing it: the kernel checks "
                                      "it all");
    c.apply
        ->add_option("-c,--confirm", o.confirm_seconds,
                     "restore the previous table unless `phx-fw confirm` (or Enter) comes within "
                     "SECONDS")
        ->option_text("SECONDS")
        ->check(CLI::Range(1u, 86400u))
        ->excludes(dry_run);
    c.apply->footer(
        std::string{"The hypervisor target (no --host) needs br_netfilter: phx-fw refuses, and "
                    "says what to\nrun, when net.bridge.bridge-nf-call-iptables is off. Any error "
                    "means nothing was applied.\n\n"} +
        kClusterFooter + kConfirmFooter);
}

void build_list(CLI::App& app, Options& o, Commands& c) {
    c.list = command(app, o, "list", "Print the live table inet phx with packet and byte counters");
}

void build_flush(CLI::App& app, Options& o, Commands& c) {
    c.flush = command(app, o, "flush", "Remove table inet phx (and nothing else)");
}

void build_confirm(CLI::App& app, Options&, Commands& c) {
    c.confirm = app.add_subcommand(
        "confirm",
        "Keep the table a waiting `apply --confirm` installed in this network namespace");
    c.confirm->footer("Exit status 1 when no apply is waiting (the last one's outcome is shown).");
}

struct Builder {
    std::string_view name;
    void (*build)(CLI::App&, Options&, Commands&);
};

// In the order --help lists them.
constexpr std::array kBuilders{
    Builder{"check", build_check},     Builder{"inventory", build_inventory},
    Builder{"show", build_show},       Builder{"diff", build_diff},
    Builder{"apply", build_apply},     Builder{"explain", build_explain},
    Builder{"list", build_list},       Builder{"flush", build_flush},
    Builder{"confirm", build_confirm}, Builder{"graph", build_graph},
    Builder{"zone", build_zone},       Builder{"watch", build_watch},
    Builder{"metrics", build_metrics},
};

// Every subcommand, or only the one the first argument names: CLI11 makes
// each option an object with its own strings and validators, and building
// all thirteen took 0.35 ms of every run (a 10k-row apply takes ~45). The
// parse is the same: the subcommand comes first and is whole, and what
// follows it belongs to it. Anything else (--help, --version, a misspelt
// command, which CLI11 answers with the list) gets them all.
Commands add_commands(CLI::App& app, Options& o, std::string_view first_argument) {
    Commands c{};
    const bool one = std::any_of(kBuilders.begin(), kBuilders.end(),
                                 [&](const Builder& b) { return b.name == first_argument; });
    for (const Builder& b : kBuilders)
        if (!one || b.name == first_argument) b.build(app, o, c);
    return c;
}

// Whether the command line chose `sub`, which may not have been built.
bool chosen(const CLI::App* sub) {
    return sub != nullptr && sub->parsed();
}

int dispatch(const Commands& c, const Options& o) {
    namespace cli = phx::fw::cli;
    if (chosen(c.check)) {
        int status = o.pve.empty() ? cli::check(o) : cli::check_pve(o);
        if (!o.dns.empty() && cli::check_dns(o) != kOk) status = kFailed;
        return status;
    }
    if (chosen(c.inventory)) return cli::inventory(o);
    if (chosen(c.show)) return cli::show(o);
    if (chosen(c.diff)) return cli::diff(o);
    if (chosen(c.apply)) return cli::apply(o);
    if (chosen(c.explain)) return cli::explain(o);
    if (chosen(c.list)) return cli::list(o);
    if (chosen(c.confirm)) return cli::confirm(o);
    if (chosen(c.graph)) return cli::graph(o);
    if (chosen(c.zone)) {
        std::fputs("phx-fw: `phx-fw zone` is gone: phx-dnsd now serves every host's name and the "
                   "reverse zones from the rules file itself ([inventory] file in phx-dnsd.toml; "
                   "README: Host names and reverse zones from the inventory)\n",
                   stderr);
        return kUsageError;
    }
    if (chosen(c.watch)) return cli::watch(o);
    if (chosen(c.metrics)) return cli::metrics(o);
    return cli::flush(o);
}

int run(int argc, char** argv) {
    Options o;
    CLI::App app{kIntro, "phx-fw"};
    app.footer(kFooter);
    app.set_version_flag("-V,--version", std::string{"phx-fw "} + PHX_VERSION);
    app.require_subcommand(1);
    const Commands commands = add_commands(app, o, argc > 1 ? argv[1] : "");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : kUsageError; // --help and --version are not errors
    }
    return dispatch(commands, o);
}

} // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::system_error& e) {
        const bool denied = e.code() == std::errc::operation_not_permitted;
        std::fprintf(stderr, "phx-fw: %s%s\n", e.what(),
                     denied ? " (phx-fw needs root or CAP_NET_ADMIN in this network namespace)"
                            : "");
        return kFailed;
    } catch (const std::exception& e) {
        // Start-up failures (no CAP_NET_ADMIN, no nf_tables): say what and stop.
        std::fprintf(stderr, "phx-fw: %s\n", e.what());
        return kFailed;
    }
}

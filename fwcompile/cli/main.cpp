// SPDX-License-Identifier: GPL-3.0-or-later
// phx-fw: compiles the Phoenix firewall rows into one nftables transaction.
#include "fwcompile/cli/commands.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <system_error>

namespace {

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
    "Without --rules: ./rules/phoenix.toml if it exists, else /etc/phoenix/rules.toml.\n"
    "Exit status: 0 success, 1 failure, 2 bad usage or no access to nf_tables;\n"
    "diff: 0 no change, 1 changes pending, 2 failure.\n"
    "Example: phx-fw explain nginx traefik tcp 80";

CLI::App* command(CLI::App& app, Options& o, const char* name, const char* help) {
    CLI::App* sub = app.add_subcommand(name, help);
    sub->add_option("-r,--rules", o.rules, "the rules file (TOML)");
    return sub;
}

void add_host(CLI::App* sub, Options& o, const char* help) {
    sub->add_option("-H,--host", o.host, help);
}

// The subcommands, and which of them the command line chose.
struct Commands {
    CLI::App* check;
    CLI::App* show;
    CLI::App* diff;
    CLI::App* apply;
    CLI::App* explain;
    CLI::App* list;
};

void add_explain(CLI::App& app, Options& o, Commands& c) {
    c.explain =
        command(app, o, "explain", "Say which row (or the policy) decides a flow at each point");
    c.explain->add_option("SRC", o.source, "source: host name, id or address, or any address")
        ->required();
    c.explain
        ->add_option("DST", o.destination, "destination: host name, id or address, or any address")
        ->required();
    c.explain->add_option("PROTO", o.protocol, "tcp, udp, icmp or icmpv6")->required();
    c.explain->add_option("PORT", o.port, "destination port (tcp and udp)");
}

Commands add_commands(CLI::App& app, Options& o) {
    Commands c{};
    c.check = command(app, o, "check", "Validate and lint the rules file; exit 1 on errors");
    c.check->footer(
        "Warns about duplicate and shadowed rows, rows that can never match, overlapping list\n"
        "entries and addresses in the guest network that belong to no host.");
    c.show =
        command(app, o, "show", "Print the compiled ruleset in nft syntax (nft -c -f accepts it)");
    add_host(c.show, o, "compile for this host's own input/output instead of the hypervisor");
    c.diff = command(app, o, "diff", "Show what apply would change in the live table inet phx");
    add_host(c.diff, o, "compare with what --host would install");
    c.apply =
        command(app, o, "apply", "Install the rules as table inet phx in one atomic transaction");
    add_host(c.apply, o,
             "install one host's own input/output chains, for a guest that filters itself");
    c.apply->add_flag("-n,--dry-run", o.dry_run,
                      "send the batch without committing it: the kernel checks it all");
    c.apply->footer(
        "The hypervisor target (no --host) needs br_netfilter: phx-fw refuses, and says what to\n"
        "run, when net.bridge.bridge-nf-call-iptables is off. Any error means nothing was "
        "applied.");
    add_explain(app, o, c);
    c.list = command(app, o, "list", "Print the live table inet phx with packet and byte counters");
    command(app, o, "flush", "Remove table inet phx (and nothing else)");
    return c;
}

int dispatch(const Commands& c, const Options& o) {
    namespace cli = phx::fw::cli;
    if (c.check->parsed()) return cli::check(o);
    if (c.show->parsed()) return cli::show(o);
    if (c.diff->parsed()) return cli::diff(o);
    if (c.apply->parsed()) return cli::apply(o);
    if (c.explain->parsed()) return cli::explain(o);
    if (c.list->parsed()) return cli::list(o);
    return cli::flush(o);
}

int run(int argc, char** argv) {
    Options o;
    CLI::App app{kIntro, "phx-fw"};
    app.footer(kFooter);
    app.set_version_flag("-V,--version", std::string{"phx-fw "} + PHX_VERSION);
    app.require_subcommand(1);
    const Commands commands = add_commands(app, o);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2; // --help and --version are not errors
    }
    if (o.rules.empty()) o.rules = phx::fw::cli::default_rules_file();
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
        return 2;
    } catch (const std::exception& e) {
        // Start-up failures (no CAP_NET_ADMIN, no nf_tables): say what and stop.
        std::fprintf(stderr, "phx-fw: %s\n", e.what());
        return 2;
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// The phx-fw subcommands. Each returns the process exit code and prints its
// own output; main() only parses the command line.
#pragma once

#include <string>

namespace phx::fw::cli {

// Where the rules are when --rules is not given: the installed file only.
// (A rules file in the current directory is not used behind the admin's
// back: `apply` in a checkout would otherwise install the repository's.)
inline constexpr const char* kInstalledRules = "/etc/phoenix/rules.toml";

// Proxmox's cluster file system, where lxc/ and qemu-server/ hold this
// node's guest configurations.
inline constexpr const char* kProxmoxDir = "/etc/pve";

// phx-dnsd's installed configuration, whose zones check --dns reads.
inline constexpr const char* kDnsdConfig = "/etc/phoenix/phx-dnsd.toml";

struct Options {
    std::string rules = kInstalledRules;             // --rules
    bool rules_given = false;                        // --rules was on the command line
    std::string host;                                // --host; empty: the hypervisor target
    std::string node;                                // --node; "": by address or host name
    bool if_changed = false;                         // apply --if-changed
    bool force = false;                              // apply --force: skip the safety refusals
    bool dry_run = false;                            // apply --dry-run
    unsigned confirm_seconds = 0;                    // apply --confirm; 0: no confirmation
    std::string source, destination, protocol, port; // explain
    std::string output;                              // metrics --output; "": stdout
    unsigned count = 0;                              // watch --count; 0: no limit
    unsigned seconds = 0;                            // watch --seconds; 0: no limit
    std::string pve; // check and inventory --pve: Proxmox's configuration; "": not given
    std::string dns; // check --dns: phx-dnsd's configuration; "": not given
};

// Exit codes, the same in phx-dnsd: 0 success, 1 an error in the input or
// the operation (errors in the rules, refused by the kernel), 2 a usage
// error (main() only). 3 is a result that is not an error: diff found
// changes pending, apply --confirm rolled back.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsageError = 2;
inline constexpr int kOtherOutcome = 3;

int check(const Options& o);
int check_pve(const Options& o); // check, then the inventory against Proxmox's guests
int check_dns(const Options& o); // the inventory against phx-dnsd's zones
int inventory(const Options& o);
int show(const Options& o);
int explain(const Options& o);
int diff(const Options& o);
int apply(const Options& o);
int list(const Options& o);
int flush(const Options& o);
int confirm(const Options& o);
int graph(const Options& o);
int watch(const Options& o);
int metrics(const Options& o);

} // namespace phx::fw::cli

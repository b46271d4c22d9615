// SPDX-License-Identifier: GPL-3.0-or-later
// Rules file and target for a subcommand; see load_target.hpp.
#include "fwcompile/cli/load_target.hpp"

#include "common/huge_pages.hpp"
#include "common/local_addresses.hpp"
#include "common/suggest.hpp"
#include "fwcompile/load/load.hpp"
#include "fwcompile/lower/lower.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <malloc.h>
#include <system_error>

namespace phx::fw::cli {

inventory::NodeChoice node_choice(const Options& o) {
    if (!o.node.empty()) return {o.node, {}, {}};
    return {{}, local_addresses(), local_host_name()};
}

std::string node_line(const Inventory& inventory) {
    if (!inventory.cluster()) return {};
    const inventory::ClusterNode& node = inventory.node();
    const char* why = "no node's address or host name is this machine's: [hypervisor] as written";
    switch (inventory.node_chosen) {
    case inventory::NodeChosen::by_name:
        why = "named by --node";
        break;
    case inventory::NodeChosen::by_address:
        why = "its address is on this machine";
        break;
    case inventory::NodeChosen::by_host_name:
        why = "this machine's host name is its name (and no node's address is on it)";
        break;
    case inventory::NodeChosen::as_written:
        break;
    }
    return fmt::format("cluster: this is node {} ({}) of {}: {}", node.name,
                       node.address.to_string(), inventory.nodes.size(), why);
}

std::string Loaded::target_name() const {
    return fw::target_name(rules, target);
}

void print_source(const Options& o, const Loaded& loaded) {
    fmt::print(stderr, "phx-fw: rules {}, {}\n", o.rules, loaded.target_name());
}

bool rules_file_usable(const Options& o) {
    if (o.rules_given || std::filesystem::exists(o.rules)) return true;
    fmt::print(stderr,
               "phx-fw: no --rules given, and the installed rules file {} does not exist: "
               "pass --rules FILE\n",
               o.rules);
    return false;
}

namespace {

// malloc serves blocks up to 32 MiB from its heap (by default it maps each
// block over 128 KiB on its own and unmaps it when freed) and keeps what is
// freed. Loading a rules file frees much of what it takes, the file's text
// and its tree, prefaulted on huge pages (common/huge_pages.hpp); the
// compiled ruleset then reuses that memory instead of faulting in fresh
// pages one by one, which on a VM cost 10-20 us each. The heap grows once,
// by load_heap_bytes (load.hpp) in huge pages, its first
// load_heap_prefault_bytes prefaulted, and is never given back:
// reserve_heap turns trimming off, the process ends soon. Only in a command
// that exits when done: `watch` runs for days and should give back what
// loading freed. A small file keeps malloc's defaults.
void keep_freed_memory(const Options& o, Lifetime lifetime) {
    std::error_code error;
    const auto size = std::filesystem::file_size(o.rules, error);
    if (lifetime != Lifetime::exits_when_done || error) return;
    const std::size_t reserve = load_heap_bytes(size);
    if (reserve == 0) return;
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    (void)reserve_heap(reserve, load_heap_prefault_bytes(size));
}

} // namespace

std::optional<Loaded> load_for(const Options& o, Lifetime lifetime) {
    if (!rules_file_usable(o)) return std::nullopt;
    keep_freed_memory(o, lifetime);
    Diagnostics diag;
    auto rules = load_rules(o.rules, diag, node_choice(o));
    diag.print(stderr);
    if (!rules) {
        std::fprintf(stderr, "phx-fw: %zu error(s) in %s; nothing was done\n", diag.error_count(),
                     o.rules.c_str());
        return std::nullopt;
    }
    Loaded loaded{std::move(*rules), {}};
    if (o.host.empty()) return loaded;
    loaded.target.host = loaded.rules.inventory.find(o.host);
    if (!loaded.target.host) {
        std::vector<std::string_view> names;
        for (const auto& h : loaded.rules.inventory.hosts) names.push_back(h.name);
        std::fprintf(
            stderr,
            "phx-fw: --host '%s' is not a host of %s: give a name, Proxmox id or address%s\n",
            o.host.c_str(), o.rules.c_str(), did_you_mean(o.host, names).c_str());
        return std::nullopt;
    }
    return loaded;
}

} // namespace phx::fw::cli

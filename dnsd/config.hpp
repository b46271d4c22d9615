// SPDX-License-Identifier: GPL-3.0-or-later
// phx-dnsd's configuration: the TOML file, with command-line overrides applied
// by main(). Unknown keys and bad values are errors with file:line:col.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/diag.hpp"
#include "common/net.hpp"
#include "dnsd/zone/loader.hpp"

namespace phx::dns {

struct DnsdConfig {
    std::vector<Endpoint> listen;
    std::vector<ZoneSource> zones;
    unsigned workers = 0;                      // 0: one per CPU
    std::uint16_t edns_udp_size = 1232;        // DNS flag day 2020: no IP fragmentation
    std::size_t tcp_max_connections = 256;
    std::chrono::seconds tcp_idle_timeout{10};  // RFC 7766 §6.2.3: seconds, not minutes
};

// Reads `path`. Relative zone file names are taken relative to the config
// file's directory, so a config and its zones can move together.
[[nodiscard]] std::optional<DnsdConfig> load_dnsd_config(const std::string& path, Diagnostics& diag);

// Checks what both the file and the command line can get wrong: no listen
// address, no zone, a listen address given twice.
void check_dnsd_config(const DnsdConfig& config, const std::string& origin_label, Diagnostics& diag);

}  // namespace phx::dns

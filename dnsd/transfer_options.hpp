// SPDX-License-Identifier: GPL-3.0-or-later
// The command-line side of zone transfers, mirroring --forward:
// --tsig-key NAME:ALGORITHM:BASE64SECRET, --allow-transfer CIDR[:KEYNAME]
// and --notify ADDR:PORT[:KEYNAME], all repeatable. main.cpp declares the
// options; what they do to the configuration is here, where it can be
// tested without a command line.
#pragma once

#include "common/diag.hpp"
#include "dnsd/transfer_config.hpp"

#include <string>
#include <vector>

namespace phx::dns {

struct TransferOptions {
    std::vector<std::string> keys;
    std::vector<std::string> allow;
    std::vector<std::string> notify;
};

// --tsig-key adds keys (replacing a configured key of the same name);
// --allow-transfer and --notify replace the configuration's lists. Errors
// name the option and never quote a secret.
void apply_transfer_options(const TransferOptions& options, TransferConfig& config,
                            Diagnostics& diag);

// Lines for the --check summary: key names and algorithms, never secrets.
[[nodiscard]] std::vector<std::string> describe_transfer(const TransferConfig& config);

} // namespace phx::dns

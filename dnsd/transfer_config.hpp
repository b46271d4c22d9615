// SPDX-License-Identifier: GPL-3.0-or-later
// Zone transfer settings: TSIG keys, who may transfer our zones, whom we
// NOTIFY of a new serial, and how much history IXFR keeps. Read from
// [[tsig_key]] and [transfer] in phx-dnsd.toml, or from --tsig-key,
// --allow-transfer and --notify, with every mistake at its file:line:col.
#pragma once

#include "common/config/section.hpp"
#include "common/diag.hpp"
#include "common/net.hpp"
#include "dnsd/tsig/key.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::dns {

struct TsigKeyConfig {
    tsig::Key key;
    SourcePos at; // where it was defined (its name), for "defined twice"
};

// A client allowed to transfer: an address range and, if given, the key
// its requests must be signed with.
struct AllowTransfer {
    Cidr network;
    std::optional<wire::Name> key; // lower case
    SourcePos at;
};

// A secondary told of every new serial (RFC 1996), its NOTIFY signed with
// the key if one is given.
struct NotifyTarget {
    Endpoint endpoint;
    std::optional<wire::Name> key; // lower case
    SourcePos at;
};

// IXFR history per zone: the differences of the last N reloads (Knot's
// journal keeps 20 by default too), and never more than this much memory.
inline constexpr std::size_t kDefaultJournalVersions = 20;
inline constexpr std::size_t kDefaultJournalBytes = std::size_t{16} << 20;

struct TransferConfig {
    std::vector<TsigKeyConfig> keys;
    std::vector<AllowTransfer> allow;
    std::vector<NotifyTarget> notify;
    std::size_t journal_versions = kDefaultJournalVersions; // per zone, for IXFR
    std::size_t journal_bytes = kDefaultJournalBytes;       // per zone, for IXFR
};

// [[tsig_key]] tables: name, algorithm, and secret or secret_file.
void read_tsig_keys(const config::Section& top, const config::Node& array, TransferConfig& out);
// [transfer]: allow, notify, journal_versions, journal_bytes.
void read_transfer(const config::Section& s, TransferConfig& out);

// The command line's forms; nullopt with `why` set when malformed. The
// reasons never quote a secret.
//   --tsig-key NAME:ALGORITHM:BASE64SECRET
[[nodiscard]] std::optional<tsig::Key> parse_key_argument(std::string_view text, std::string& why);
//   --allow-transfer CIDR[:KEYNAME]   (IPv6 with a key: [2001:db8::/64]:KEYNAME)
[[nodiscard]] std::optional<AllowTransfer> parse_allow_transfer(std::string_view text);
//   --notify ADDR:PORT[:KEYNAME]      (IPv6: [2001:db8::1]:53:KEYNAME)
[[nodiscard]] std::optional<NotifyTarget> parse_notify_target(std::string_view text);

// Every key named by an allow or notify entry is defined, and no key twice.
void check_transfer_config(const TransferConfig& config, const std::string& origin_label,
                           Diagnostics& diag);

} // namespace phx::dns

// SPDX-License-Identifier: GPL-3.0-or-later
// Transfer options on the command line; see transfer_options.hpp.
#include "dnsd/transfer_options.hpp"

#include <fmt/format.h>

namespace phx::dns {
namespace {

std::string key_suffix(const std::optional<wire::Name>& key) {
    return key ? " with key " + key->to_text() : " unsigned";
}

} // namespace

void apply_transfer_options(const TransferOptions& o, TransferConfig& config, Diagnostics& diag) {
    for (const auto& text : o.keys) {
        std::string why;
        auto key = parse_key_argument(text, why);
        if (!key) {
            diag.error({"--tsig-key"}, why);
            continue;
        }
        std::erase_if(config.keys, [&](const TsigKeyConfig& k) { return k.key.name == key->name; });
        config.keys.push_back({std::move(*key), {"--tsig-key"}});
    }
    if (!o.allow.empty()) config.allow.clear();
    for (const auto& text : o.allow) {
        if (auto rule = parse_allow_transfer(text))
            config.allow.push_back(std::move(*rule));
        else
            diag.error({"--allow-transfer"},
                       fmt::format("'{}' is not CIDR[:KEYNAME] (e.g. 10.0.0.20/32:xfr-key)", text));
    }
    if (!o.notify.empty()) config.notify.clear();
    for (const auto& text : o.notify) {
        if (auto target = parse_notify_target(text))
            config.notify.push_back(std::move(*target));
        else
            diag.error(
                {"--notify"},
                fmt::format("'{}' is not ADDR:PORT[:KEYNAME] (e.g. 10.0.0.20:53:xfr-key)", text));
    }
}

std::vector<std::string> describe_transfer(const TransferConfig& config) {
    std::vector<std::string> lines;
    for (const auto& k : config.keys)
        lines.push_back(fmt::format("tsig key {} ({})", k.key.name_text(),
                                    tsig::algorithm_text(k.key.algorithm)));
    for (const auto& a : config.allow)
        lines.push_back(
            fmt::format("transfers allowed to {}{}", a.network.to_string(), key_suffix(a.key)));
    for (const auto& n : config.notify)
        lines.push_back(fmt::format("NOTIFY to {}{}", n.endpoint.to_string(), key_suffix(n.key)));
    if (!config.allow.empty())
        lines.push_back(fmt::format("IXFR journal: the last {} reloads, up to {} bytes per zone",
                                    config.journal_versions, config.journal_bytes));
    return lines;
}

} // namespace phx::dns

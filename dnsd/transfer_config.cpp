// SPDX-License-Identifier: GPL-3.0-or-later
// [[tsig_key]] and [transfer], and their command-line forms. Secrets are
// decoded here and never quoted back: an error says which key, not what.
#include "dnsd/transfer_config.hpp"

#include "common/file_text.hpp"
#include "common/suggest.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

namespace phx::dns {

using config::NodeKind;
using config::Section;

namespace {

constexpr std::size_t kMaxSecretFileBytes = 4096;
constexpr std::int64_t kMaxJournalVersions = 10000;
constexpr std::int64_t kMaxJournalBytes = std::int64_t{4} << 30;

std::string name_error(std::string_view text) {
    return fmt::format("'{}' is not a key name (letters, digits, '-', '_' and dots, e.g. "
                       "\"xfr-key\")",
                       text);
}

// A secret file must not be readable (or writable) by every user: that
// would hand the key to any process on the host.
std::optional<std::string> secret_file_problem(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt; // reading it will say why
    if ((st.st_mode & (S_IROTH | S_IWOTH)) == 0) return std::nullopt;
    return fmt::format("secret_file {} is readable by every user (mode {:04o}): chmod 0640 "
                       "it, group phx-dnsd",
                       path, st.st_mode & 07777);
}

std::optional<std::vector<std::uint8_t>> read_secret_file(const Section& s,
                                                          const config::Scalar& file) {
    std::string path{file.value};
    if (!path.empty() && path.front() != '/') {
        const auto& config_path = s.file().str();
        const auto slash = config_path.find_last_of('/');
        if (slash != std::string::npos) path = config_path.substr(0, slash + 1) + path;
    }
    if (auto problem = secret_file_problem(path)) {
        s.diag().error(file.at, *problem);
        return std::nullopt;
    }
    const FileText text = read_file_text(path, kMaxSecretFileBytes);
    if (!text.text) {
        s.diag().error(file.at,
                       fmt::format("secret_file {}: cannot read the file: {}", path, text.error));
        return std::nullopt;
    }
    auto secret = tsig::decode_base64(*text.text);
    if (!secret)
        s.diag().error(file.at, fmt::format("secret_file {} does not hold a base64 "
                                            "secret (e.g. from tsig-keygen or keymgr -t)",
                                            path));
    return secret;
}

bool world_readable(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0;
}

void read_key(const Section& s, TransferConfig& out) {
    s.allow_only({"name", "algorithm", "secret", "secret_file"});
    auto name = s.string("name", true);
    auto algorithm_text = s.string("algorithm", true);
    auto secret_text = s.string("secret");
    auto secret_file = s.string("secret_file");
    std::optional<wire::Name> key_name;
    if (name && !(key_name = tsig::parse_key_name(name->value)))
        s.diag().error(name->at, name_error(name->value));
    std::optional<tsig::Algorithm> algorithm;
    if (algorithm_text && !(algorithm = tsig::parse_algorithm(algorithm_text->value)))
        s.diag().error(algorithm_text->at,
                       fmt::format("algorithm '{}' is not one of {}", algorithm_text->value,
                                   tsig::algorithm_list()));
    std::optional<std::vector<std::uint8_t>> secret;
    if (secret_text && secret_file) {
        s.diag().error(secret_file->at,
                       fmt::format("{} has both 'secret' and 'secret_file': give one", s.name()));
    } else if (secret_text) {
        secret = tsig::decode_base64(secret_text->value);
        if (!secret)
            s.diag().error(secret_text->at, "the secret is not base64");
        else if (world_readable(s.file().str()))
            s.diag().warning(secret_text->at,
                             "this file holds a TSIG secret and is readable by every user: "
                             "chmod 0640 it, or move the secret to a secret_file");
    } else if (secret_file) {
        secret = read_secret_file(s, *secret_file);
    } else {
        s.diag().error(s.pos(), fmt::format("{} needs 'secret' or 'secret_file'", s.name()));
    }
    if (!key_name || !algorithm || !secret) return;
    out.keys.push_back({{*key_name, *algorithm, std::move(*secret)}, name->at});
}

// "NAME" after the last ':' of `text`, if the part before it parses.
template <typename T, typename Parse>
std::optional<std::pair<T, std::optional<wire::Name>>> with_key(std::string_view text,
                                                                Parse parse) {
    if (auto whole = parse(text)) return std::pair{*whole, std::optional<wire::Name>{}};
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    auto key = tsig::parse_key_name(text.substr(colon + 1));
    auto value = parse(text.substr(0, colon));
    if (!key || !value) return std::nullopt;
    return std::pair{*value, key};
}

std::optional<Cidr> parse_cidr(std::string_view text) {
    // [2001:db8::/64] so that an IPv6 prefix can be followed by :KEYNAME.
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
        text = text.substr(1, text.size() - 2);
    return Cidr::parse(text);
}

} // namespace

void read_tsig_keys(const Section& top, const config::Node& array, TransferConfig& out) {
    std::size_t number = 0;
    for (const config::Node& table : top.doc().items(array)) {
        ++number;
        if (table.kind != NodeKind::table) {
            top.diag().error(top.at(table), "each [[tsig_key]] must be a table");
            continue;
        }
        read_key({top.doc(), table, "[[tsig_key]]", top.file(), top.diag(), number}, out);
    }
}

void read_transfer(const Section& s, TransferConfig& out) {
    s.allow_only({"allow", "notify", "journal_versions", "journal_bytes"});
    if (auto allow = s.strings("allow"))
        for (const auto& item : *allow) {
            if (auto rule = parse_allow_transfer(item.value)) {
                rule->at = item.at;
                out.allow.push_back(std::move(*rule));
            } else {
                s.diag().error(item.at, fmt::format("'{}' is not CIDR[:KEYNAME] (e.g. "
                                                    "10.0.0.20/32:xfr-key)",
                                                    item.value));
            }
        }
    if (auto notify = s.strings("notify"))
        for (const auto& item : *notify) {
            if (auto target = parse_notify_target(item.value)) {
                target->at = item.at;
                out.notify.push_back(std::move(*target));
            } else {
                s.diag().error(item.at, fmt::format("'{}' is not ADDR:PORT[:KEYNAME] (e.g. "
                                                    "10.0.0.20:53:xfr-key)",
                                                    item.value));
            }
        }
    if (auto n = s.integer("journal_versions", 0, kMaxJournalVersions))
        out.journal_versions = static_cast<std::size_t>(*n);
    if (auto n = s.integer("journal_bytes", 0, kMaxJournalBytes))
        out.journal_bytes = static_cast<std::size_t>(*n);
}

std::optional<tsig::Key> parse_key_argument(std::string_view text, std::string& why) {
    const auto first = text.find(':');
    const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
    if (second == std::string_view::npos) {
        why = "is not NAME:ALGORITHM:BASE64SECRET (e.g. xfr-key:hmac-sha256:<secret>)";
        return std::nullopt;
    }
    const auto name_text = text.substr(0, first);
    const auto algorithm_text = text.substr(first + 1, second - first - 1);
    auto name = tsig::parse_key_name(name_text);
    auto algorithm = tsig::parse_algorithm(algorithm_text);
    auto secret = tsig::decode_base64(text.substr(second + 1));
    if (!name)
        why = name_error(name_text);
    else if (!algorithm)
        why =
            fmt::format("algorithm '{}' is not one of {}", algorithm_text, tsig::algorithm_list());
    else if (!secret)
        why = fmt::format("the secret of key {} is not base64", name->to_text());
    if (!name || !algorithm || !secret) return std::nullopt;
    return tsig::Key{*name, *algorithm, std::move(*secret)};
}

std::optional<AllowTransfer> parse_allow_transfer(std::string_view text) {
    auto parsed = with_key<Cidr>(text, parse_cidr);
    if (!parsed) return std::nullopt;
    return AllowTransfer{parsed->first, parsed->second, {"--allow-transfer"}};
}

std::optional<NotifyTarget> parse_notify_target(std::string_view text) {
    auto parsed = with_key<Endpoint>(text, [](std::string_view t) { return Endpoint::parse(t); });
    if (!parsed || parsed->first.port == 0) return std::nullopt;
    return NotifyTarget{parsed->first, parsed->second, {"--notify"}};
}

void check_transfer_config(const TransferConfig& config, const std::string& origin_label,
                           Diagnostics& diag) {
    const auto where = [&](const SourcePos& at) {
        return at.file.empty() ? SourcePos{origin_label} : at;
    };
    std::vector<std::string> names;
    for (std::size_t i = 0; i < config.keys.size(); ++i) {
        const auto& k = config.keys[i];
        names.push_back(k.key.name_text());
        for (std::size_t j = 0; j < i; ++j)
            if (config.keys[j].key.name == k.key.name)
                diag.error(where(k.at),
                           fmt::format("tsig key {} is defined twice (also at {})",
                                       k.key.name_text(), where(config.keys[j].at).to_string()));
    }
    const std::vector<std::string_view> candidates(names.begin(), names.end());
    const auto check_key = [&](const std::optional<wire::Name>& key, const SourcePos& at) {
        if (!key) return;
        for (const auto& k : config.keys)
            if (k.key.name == *key) return;
        const std::string text = key->to_text();
        diag.error(where(at), fmt::format("key {} is not defined by a [[tsig_key]] or "
                                          "--tsig-key{}",
                                          text, did_you_mean(text, candidates)));
    };
    for (const auto& a : config.allow) check_key(a.key, a.at);
    for (const auto& n : config.notify) check_key(n.key, n.at);
}

} // namespace phx::dns

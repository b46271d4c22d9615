// SPDX-License-Identifier: GPL-3.0-or-later
// --tsig-key, --allow-transfer and --notify over a configuration file's
// [[tsig_key]] and [transfer]: what they add, what they replace, and
// errors that name the option and never the secret.
#include "dnsd/config.hpp"
#include "dnsd/transfer_options.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::dns;

namespace {

constexpr const char* kSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
constexpr const char* kOtherSecret = "c2Vjb25kIHNlY3JldCwgMzIgYnl0ZXMgbG9uZyEhISE=";

TransferConfig from_file() {
    Diagnostics d;
    auto config = parse_dnsd_config(
        fmt::format("[[tsig_key]]\nname = \"xfr-key\"\nalgorithm = \"hmac-sha256\"\n"
                    "secret = \"{}\"\n"
                    "[transfer]\nallow = [\"10.0.0.20/32:xfr-key\"]\n"
                    "notify = [\"10.0.0.20:53:xfr-key\"]\n",
                    kSecret),
        "x.toml", d);
    REQUIRE(config);
    return config->transfer;
}

} // namespace

TEST_CASE("transfer options: keys add to the file's, allow and notify replace its lists") {
    TransferConfig config = from_file();
    Diagnostics d;
    apply_transfer_options({{fmt::format("knot-key:hmac-sha512:{}", kOtherSecret)},
                            {"127.0.0.1:knot-key", "[::1/128]:xfr-key"},
                            {"127.0.0.1:5300:knot-key", "[::1]:5301"}},
                           config, d);
    check_transfer_config(config, "x.toml", d);
    INFO(d.to_string());
    CHECK_FALSE(d.failed());
    REQUIRE(config.keys.size() == 2);
    CHECK(config.keys[0].key.name_text() == "xfr-key.");
    CHECK(config.keys[1].key.name_text() == "knot-key.");
    CHECK(config.keys[1].key.algorithm == tsig::Algorithm::hmac_sha512);
    REQUIRE(config.allow.size() == 2);
    CHECK(config.allow[0].network.to_string() == "127.0.0.1");
    CHECK(config.allow[1].network.to_string() == "::1");
    REQUIRE(config.notify.size() == 2);
    CHECK(config.notify[0].endpoint.to_string() == "127.0.0.1:5300");
    CHECK_FALSE(config.notify[1].key);

    // The --check summary: names and algorithms, never a secret.
    const auto lines = describe_transfer(config);
    std::string all;
    for (const auto& line : lines) all += line + "\n";
    CHECK(all == "tsig key xfr-key. (hmac-sha256)\n"
                 "tsig key knot-key. (hmac-sha512)\n"
                 "transfers allowed to 127.0.0.1 with key knot-key.\n"
                 "transfers allowed to ::1 with key xfr-key.\n"
                 "NOTIFY to 127.0.0.1:5300 with key knot-key.\n"
                 "NOTIFY to [::1]:5301 unsigned\n"
                 "IXFR journal: the last 20 reloads, up to 16777216 bytes per zone\n");
}

TEST_CASE("transfer options: a --tsig-key of the same name replaces the file's key") {
    TransferConfig config = from_file();
    Diagnostics d;
    apply_transfer_options({{fmt::format("XFR-key.:hmac-sha512:{}", kOtherSecret)}, {}, {}},
                           config, d);
    check_transfer_config(config, "x.toml", d);
    CHECK_FALSE(d.failed());
    REQUIRE(config.keys.size() == 1);
    CHECK(config.keys[0].key.algorithm == tsig::Algorithm::hmac_sha512);
    CHECK(config.keys[0].at.to_string() == "--tsig-key");
    CHECK(config.allow.size() == 1); // no --allow-transfer: the file's list stays
    CHECK(config.notify.size() == 1);
}

TEST_CASE("transfer options: mistakes name the option, never the secret") {
    TransferConfig config = from_file();
    Diagnostics d;
    apply_transfer_options({{fmt::format("bad key:hmac-sha256:{}", kOtherSecret),
                             fmt::format("k:hmac-md5:{}", kOtherSecret), "k:hmac-sha256:c2Vj!!"},
                            {"10.0.0.0/33", "10.0.0.1:"},
                            {"10.0.0.20", "10.0.0.20:53:nokey"}},
                           config, d);
    check_transfer_config(config, "command line", d);
    CHECK(d.to_string() ==
          "--tsig-key: error: 'bad key' is not a key name (letters, digits, '-', '_' and dots, "
          "e.g. \"xfr-key\")\n"
          "--tsig-key: error: algorithm 'hmac-md5' is not one of hmac-sha1, hmac-sha224, "
          "hmac-sha256, hmac-sha384, hmac-sha512\n"
          "--tsig-key: error: the secret of key k. is not base64\n"
          "--allow-transfer: error: '10.0.0.0/33' is not CIDR[:KEYNAME] (e.g. "
          "10.0.0.20/32:xfr-key)\n"
          "--allow-transfer: error: '10.0.0.1:' is not CIDR[:KEYNAME] (e.g. "
          "10.0.0.20/32:xfr-key)\n"
          "--notify: error: '10.0.0.20' is not ADDR:PORT[:KEYNAME] (e.g. 10.0.0.20:53:xfr-key)\n"
          "--notify: error: key nokey. is not defined by a [[tsig_key]] or --tsig-key\n");
    CHECK(d.to_string().find(kOtherSecret) == std::string::npos);
    CHECK(d.to_string().find("c2Vj") == std::string::npos);
}

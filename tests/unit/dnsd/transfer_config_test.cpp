// SPDX-License-Identifier: GPL-3.0-or-later
// [[tsig_key]] and [transfer] in phx-dnsd.toml, and the command line's
// forms: read as documented, every mistake at file:line:col, and no
// message ever quoting a secret.
#include "dnsd/config.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/stat.h>

using namespace phx;
using namespace phx::dns;
using phx::test::TempFile;

namespace {

constexpr const char* kSecret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

std::optional<DnsdConfig> parse(const std::string& text, Diagnostics& d) {
    auto config = parse_dnsd_config(text, "x.toml", d);
    if (config) check_transfer_config(config->transfer, "x.toml", d);
    return d.failed() ? std::nullopt : config;
}

} // namespace

TEST_CASE("transfer config: keys, allow and notify entries are read") {
    Diagnostics d;
    auto config =
        parse(fmt::format("[[tsig_key]]\nname = \"Xfr-Key\"\nalgorithm = \"hmac-sha256\"\n"
                          "secret = \"{}\"\n"
                          "[transfer]\nallow = [\"10.0.0.20/32:xfr-key\", \"127.0.0.0/8\", "
                          "\"[2001:db8::/64]:xfr-key\"]\n"
                          "notify = [\"10.0.0.20:53:xfr-key\", \"[::1]:5300\"]\n"
                          "journal_versions = 5\njournal_bytes = 1048576\n",
                          kSecret),
              d);
    INFO(d.to_string());
    REQUIRE(config);
    const auto& t = config->transfer;
    REQUIRE(t.keys.size() == 1);
    CHECK(t.keys[0].key.name_text() == "xfr-key.");
    CHECK(t.keys[0].key.secret.size() == 32);
    CHECK(t.keys[0].at.to_string() == "x.toml:2:8");
    REQUIRE(t.allow.size() == 3);
    CHECK(t.allow[0].network.to_string() == "10.0.0.20");
    CHECK(t.allow[0].key->to_text() == "xfr-key.");
    CHECK_FALSE(t.allow[1].key);
    CHECK(t.allow[2].network.to_string() == "2001:db8::/64");
    REQUIRE(t.notify.size() == 2);
    CHECK(t.notify[0].endpoint.to_string() == "10.0.0.20:53");
    CHECK(t.notify[0].key->to_text() == "xfr-key.");
    CHECK(t.notify[1].endpoint.to_string() == "[::1]:5300");
    CHECK(t.journal_versions == 5);
    CHECK(t.journal_bytes == 1048576);
}

TEST_CASE("transfer config: mistakes at file:line:col, never quoting the secret") {
    Diagnostics d;
    CHECK_FALSE(parse("[[tsig_key]]\nname = \"a b\"\nalgorithm = \"hmac-md5\"\n"
                      "secret = \"c2VjcmV0!!\"\n"
                      "[[tsig_key]]\nname = \"k2\"\nalgorithm = \"hmac-sha256\"\n"
                      "[transfer]\nallow = [\"10.0.0.0/33:k2\", \"10.0.0.1:nokey\"]\n"
                      "notify = [\"10.0.0.20:k2\", \"10.0.0.20:53:k3\"]\nalow = []\n",
                      d));
    CHECK(d.to_string() ==
          "x.toml:2:8: error: 'a b' is not a key name (letters, digits, '-', '_' and dots, e.g. "
          "\"xfr-key\")\n"
          "x.toml:3:13: error: algorithm 'hmac-md5' is not one of hmac-sha1, hmac-sha224, "
          "hmac-sha256, hmac-sha384, hmac-sha512\n"
          "x.toml:4:10: error: the secret is not base64\n"
          "x.toml:5:1: error: [[tsig_key]] #2 needs 'secret' or 'secret_file'\n"
          "x.toml:11:1: error: unknown key 'alow' in [transfer] (did you mean 'allow'?)\n"
          "x.toml:9:10: error: '10.0.0.0/33:k2' is not CIDR[:KEYNAME] (e.g. "
          "10.0.0.20/32:xfr-key)\n"
          "x.toml:10:11: error: '10.0.0.20:k2' is not ADDR:PORT[:KEYNAME] (e.g. "
          "10.0.0.20:53:xfr-key)\n");
    CHECK(d.to_string().find("c2VjcmV0") == std::string::npos);

    Diagnostics d2;
    CHECK_FALSE(parse(fmt::format("[[tsig_key]]\nname = \"xfr-key\"\nalgorithm = \"hmac-sha256\"\n"
                                  "secret = \"{0}\"\n[[tsig_key]]\nname = \"XFR-key.\"\n"
                                  "algorithm = \"hmac-sha512\"\nsecret = \"{0}\"\n"
                                  "[transfer]\nallow = [\"10.0.0.1:xfr-kye\"]\n",
                                  kSecret),
                      d2));
    CHECK(d2.to_string() ==
          "x.toml:6:8: error: tsig key xfr-key. is defined twice (also at x.toml:2:8)\n"
          "x.toml:10:10: error: key xfr-kye. is not defined by a [[tsig_key]] or --tsig-key "
          "(did you mean 'xfr-key.'?)\n");
    CHECK(d2.to_string().find(kSecret) == std::string::npos);
}

TEST_CASE("transfer config: a secret_file is read, and refused if every user may read it") {
    const TempFile secret{std::string{kSecret} + "\n"};
    ::chmod(secret.path().c_str(), 0640);
    const TempFile config{"[[tsig_key]]\nname = \"xfr-key\"\nalgorithm = \"hmac-sha512\"\n"
                          "secret_file = \"" +
                          secret.path() + "\"\n"};
    Diagnostics d;
    auto loaded = load_dnsd_config(config.path(), d);
    INFO(d.to_string());
    REQUIRE(loaded);
    REQUIRE(loaded->transfer.keys.size() == 1);
    CHECK(loaded->transfer.keys[0].key.secret.size() == 32);

    ::chmod(secret.path().c_str(), 0644);
    Diagnostics d2;
    CHECK_FALSE(load_dnsd_config(config.path(), d2));
    CHECK(d2.to_string() == config.path() + ":4:15: error: secret_file " + secret.path() +
                                " is readable by every user (mode 0644): chmod 0640 it, group "
                                "phx-dnsd\n");
}

TEST_CASE("transfer config: the command line's forms") {
    std::string why;
    auto key = parse_key_argument(std::string{"xfr-key:hmac-sha256:"} + kSecret, why);
    REQUIRE(key);
    CHECK(key->name_text() == "xfr-key.");
    CHECK_FALSE(parse_key_argument("xfr-key:hmac-sha256:not-base64", why));
    CHECK(why == "the secret of key xfr-key. is not base64");
    CHECK_FALSE(parse_key_argument("xfr-key", why));
    CHECK(why == "is not NAME:ALGORITHM:BASE64SECRET (e.g. xfr-key:hmac-sha256:<secret>)");

    CHECK(parse_allow_transfer("10.0.0.0/24")->network.to_string() == "10.0.0.0/24");
    CHECK(parse_allow_transfer("::1")->network.to_string() == "::1");
    CHECK(parse_allow_transfer("::1/128:k")->key->to_text() == "k.");
    CHECK(parse_allow_transfer("[::1/128]:k")->key->to_text() == "k.");
    CHECK_FALSE(parse_allow_transfer("10.0.0.0/24:"));
    CHECK_FALSE(parse_allow_transfer("nonsense"));

    CHECK(parse_notify_target("127.0.0.1:5300")->endpoint.port == 5300);
    CHECK(parse_notify_target("127.0.0.1:5300:k")->key->to_text() == "k.");
    CHECK(parse_notify_target("[::1]:53:k")->endpoint.to_string() == "[::1]:53");
    CHECK_FALSE(parse_notify_target("127.0.0.1"));
    CHECK_FALSE(parse_notify_target("127.0.0.1:0"));
}

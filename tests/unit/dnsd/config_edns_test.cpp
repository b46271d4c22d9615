// SPDX-License-Identifier: GPL-3.0-or-later
// [server] nsid, [cookies] and [rate_limit]: defaults, every key, and
// mistakes reported at their position.
#include "dnsd/config.hpp"

#include <doctest/doctest.h>

using namespace phx;
using namespace phx::dns;

TEST_CASE("config edns: the defaults are no NSID, cookies on, 20 responses/s with slip 2") {
    Diagnostics d;
    auto c = parse_dnsd_config("", "a.toml", d);
    REQUIRE(c);
    CHECK(c->nsid.empty());
    CHECK(c->cookies.enabled);
    CHECK(c->cookies.secrets.empty());
    CHECK(c->cookies.rotation.count() == 3600);
    CHECK(c->rate_limit.responses_per_second == 20);
    CHECK(c->rate_limit.slip == 2);
    CHECK(c->rate_limit.window_seconds == 15);
    CHECK(c->rate_limit.ipv4_prefix == 24);
    CHECK(c->rate_limit.ipv6_prefix == 56);
}

TEST_CASE("config edns: every key is read") {
    Diagnostics d;
    auto c = parse_dnsd_config(
        "[server]\nnsid = \"hex:6e7331\"\n"
        "[cookies]\nenabled = true\nsecret = [\"e5e973e5a6b2a43f48e7dc849e37bfcf\", "
        "\"DD3BDF9344B678B185A6F5CB60FCA715\"]\nrotate_seconds = 600\n"
        "[rate_limit]\nresponses_per_second = 5\nslip = 1\nwindow_seconds = 0\n"
        "ipv4_prefix = 32\nipv6_prefix = 64\ntable_size = 4096\n",
        "a.toml", d);
    INFO(d.to_string());
    REQUIRE(c);
    CHECK(c->nsid == std::vector<std::uint8_t>{'n', 's', '1'});
    REQUIRE(c->cookies.secrets.size() == 2);
    CHECK(c->cookies.secrets[0][0] == 0xe5);
    CHECK(c->cookies.secrets[1][15] == 0x15);
    CHECK(c->cookies.rotation.count() == 600);
    CHECK(c->rate_limit.responses_per_second == 5);
    CHECK(c->rate_limit.slip == 1);
    CHECK(c->rate_limit.window_seconds == 0);
    CHECK(c->rate_limit.ipv4_prefix == 32);
    CHECK(c->rate_limit.ipv6_prefix == 64);
    CHECK(c->rate_limit.table_size == 4096);
    auto text = parse_dnsd_config("[server]\nnsid = \"ns1.phoenix\"\n[cookies]\nenabled = false\n"
                                  "[rate_limit]\nresponses_per_second = 0\n",
                                  "b.toml", d);
    REQUIRE(text);
    CHECK(std::string(text->nsid.begin(), text->nsid.end()) == "ns1.phoenix");
    CHECK_FALSE(text->cookies.enabled);
    CHECK_FALSE(text->rate_limit.enabled());
}

TEST_CASE("config edns: bad values are errors at their position") {
    Diagnostics d;
    const std::string long_nsid(129, 'x');
    CHECK_FALSE(parse_dnsd_config(
        "[server]\nnsid = \"hex:6e7\"\n[cookies]\nsecret = \"00ff\"\nrotation = 5\n"
        "[rate_limit]\nresponses_per_second = 10000\nwindow_seconds = 3600\nslip = -1\n",
        "c.toml", d));
    CHECK(d.to_string() ==
          "c.toml:2:8: error: 'hex:6e7' is not hex:<an even number of hexadecimal digits>\n"
          "c.toml:5:1: error: unknown key 'rotation' in [cookies]\n"
          "c.toml:4:10: error: a cookie secret is 32 hexadecimal digits (16 bytes), e.g. from: "
          "openssl rand -hex 16\n"
          "c.toml:9:8: error: 'slip' in [rate_limit] must be between 0 and 100, not -1\n"
          "c.toml:8:18: error: responses_per_second * window_seconds must be at most 2000000\n");
    Diagnostics d2;
    CHECK_FALSE(parse_dnsd_config("[server]\nnsid = \"" + long_nsid + "\"\n", "d.toml", d2));
    CHECK(d2.to_string() == "d.toml:2:8: error: the NSID is 129 bytes; at most 128 fit in every "
                            "reply\n");
}

TEST_CASE("config edns: the command line replaces the file's NSID and rate limit") {
    std::vector<std::uint8_t> nsid{'a'};
    RateLimitConfig r;
    Diagnostics d;
    EdnsCommandLine cl;
    cl.nsid = "hex:0102";
    cl.rate_limit = 7;
    cl.rate_limit_slip = 0;
    cl.rate_limit_window = 2;
    apply_edns_command_line(cl, nsid, r, d);
    CHECK_FALSE(d.failed());
    CHECK(nsid == std::vector<std::uint8_t>{1, 2});
    CHECK(r.responses_per_second == 7);
    CHECK(r.slip == 0);
    CHECK(r.window_seconds == 2);
    cl.nsid = "hex:zz";
    apply_edns_command_line(cl, nsid, r, d);
    CHECK(d.to_string() == "--nsid: error: 'hex:zz' is not hex:<an even number of hexadecimal "
                           "digits>\n");
}

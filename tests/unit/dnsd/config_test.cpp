// SPDX-License-Identifier: GPL-3.0-or-later
// phx-dnsd config files: the shipped examples load, mistakes are reported
// at their position with a suggestion.
#include "common/file_text.hpp"
#include "dnsd/config.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>

using namespace phx;
using phx::test::TempFile;
using namespace phx::dns;

TEST_CASE("config: the shipped production example loads as documented") {
    // Its TSIG secret is made by the package's postinst, so it is not in the
    // source tree: the copy read here names one of the test's own.
    const TempFile secret{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"};
    auto read = read_file_text(std::string{PHX_SOURCE_DIR} + "/packaging/phx-dnsd.toml");
    REQUIRE(read.text);
    std::string text = *read.text;
    const std::string shipped_secret = "/etc/phoenix/xfr-key.secret";
    REQUIRE(text.find(shipped_secret) != std::string::npos);
    text.replace(text.find(shipped_secret), shipped_secret.size(), secret.path());
    const TempFile shipped{text};
    Diagnostics d;
    auto config = load_dnsd_config(shipped.path(), d);
    INFO(d.to_string());
    REQUIRE(config);
    REQUIRE(config->listen.size() == 2);
    CHECK(config->listen[0].to_string() == "10.0.0.13:53");
    CHECK(config->listen[1].to_string() == "127.0.0.1:53");
    REQUIRE(config->zones.size() == 1);
    CHECK(config->zones[0].file == "/etc/phoenix/zones/internal.thinkheads.ai.zone");
    REQUIRE(config->inventory);
    CHECK(config->inventory->file == "/etc/phoenix/rules.toml");
    CHECK(config->inventory->zone.empty());
    CHECK(config->inventory->label == "hosts");
    CHECK(config->serial_policy == SerialPolicy::dateserial);
    CHECK(config->edns_udp_size == 1232);
    REQUIRE(config->forward.upstreams.size() == 2);
    CHECK(config->forward.upstreams[0].endpoint.to_string() == "1.1.1.1:53");
    REQUIRE(config->forward.allow.size() == 3);
    CHECK(config->forward.allow[0].to_string() == "10.0.0.0/24");
    CHECK(config->forward.serve_stale);
    // Transfers: the key is there, nobody is allowed or notified yet.
    REQUIRE(config->transfer.keys.size() == 1);
    CHECK(config->transfer.keys[0].key.name_text() == "xfr-key.");
    CHECK(config->transfer.keys[0].key.secret.size() == 32);
    CHECK(config->transfer.allow.empty());
    CHECK(config->transfer.notify.empty());
    CHECK(config->transfer.journal_versions == 20);
}

TEST_CASE("config: all keys are read, relative zone paths follow the config file") {
    const TempFile file("[server]\nlisten = [\"127.0.0.1:5353\", \"[::1]:5353\"]\nworkers = "
                        "3\nedns_udp_size = 1400\nudp_batch_window_us = 250\n"
                        "[tcp]\nmax_connections = 5\nidle_timeout_seconds = 2\n"
                        "[[zone]]\nfile = \"a.zone\"\norigin = \"example.\"\n");
    const std::string& path = file.path();
    Diagnostics d;
    auto config = load_dnsd_config(path, d);
    REQUIRE(config);
    CHECK(config->listen.size() == 2);
    CHECK(config->workers == 3);
    CHECK(config->edns_udp_size == 1400);
    CHECK(config->udp_batch_window.count() == 250);
    CHECK(config->tcp_max_connections == 5);
    CHECK(config->tcp_idle_timeout.count() == 2);
    CHECK(config->zones[0].file == "/tmp/a.zone");
    CHECK(config->zones[0].origin == "example.");
}

TEST_CASE("config: unknown keys and bad values are errors at file:line:col") {
    const TempFile file("[server]\nlisen = [\"127.0.0.1:53\"]\nlisten = [\"127.0.0.1\"]\n"
                        "[tpc]\n[[zone]]\norigin = \"x.\"\n");
    const std::string& path = file.path();
    Diagnostics d;
    CHECK_FALSE(load_dnsd_config(path, d));
    CHECK(d.to_string() ==
          path + ":4:2: error: unknown key 'tpc' in the top level (did you mean 'tcp'?)\n" + path +
              ":2:1: error: unknown key 'lisen' in [server] (did you mean 'listen'?)\n" + path +
              ":3:11: error: '127.0.0.1' is not an address:port (e.g. 127.0.0.1:53 or [::1]:53)\n" +
              path + ":5:1: error: [[zone]] #1 needs 'file'\n");
}

TEST_CASE("config: [inventory] and serial_policy are read and checked") {
    const TempFile file("[server]\nserial_policy = \"unixtime\"\n"
                        "[inventory]\nfile = \"rules.toml\"\nzone = \"lab.example\"\n"
                        "label = \"\"\nttl = 60\n");
    Diagnostics d;
    auto config = load_dnsd_config(file.path(), d);
    REQUIRE_MESSAGE(config, d.to_string());
    CHECK(config->serial_policy == SerialPolicy::unixtime);
    REQUIRE(config->inventory);
    CHECK(config->inventory->file == "/tmp/rules.toml");
    CHECK(config->inventory->zone == "lab.example");
    CHECK(config->inventory->label.empty());
    CHECK(config->inventory->ttl == 60);

    const TempFile bad("[server]\nserial_policy = \"date\"\n[inventory]\nzone = \"x.\"\n"
                       "labels = \"h\"\n");
    Diagnostics d2;
    CHECK_FALSE(load_dnsd_config(bad.path(), d2));
    CHECK(d2.to_string() == bad.path() +
                                ":2:17: error: serial_policy 'date' is not one of keep, increment, "
                                "unixtime, dateserial\n" +
                                bad.path() +
                                ":5:1: error: unknown key 'labels' in [inventory] (did you mean "
                                "'label'?)\n" +
                                bad.path() + ":3:1: error: [inventory] needs 'file'\n");
}

TEST_CASE("config: [forward] keys are read and checked") {
    const TempFile file(
        "[forward]\nupstreams = [\"192.0.2.1:53\", \"bad\"]\nallow = [\"10.0.0.0/33\"]\n"
        "timeout_ms = 10\nserve_stale = false\ncache = 5\n");
    const std::string& path = file.path();
    Diagnostics d;
    CHECK_FALSE(load_dnsd_config(path, d));
    CHECK(d.to_string() ==
          path + ":6:1: error: unknown key 'cache' in [forward]\n" + path +
              ":2:30: error: upstream 'bad' is not an address:port (e.g. 1.1.1.1:53)\n" + path +
              ":3:10: error: '10.0.0.0/33' is not an address or prefix (e.g. 10.0.0.0/24)\n" +
              path +
              ":4:14: error: 'timeout_ms' in [forward] must be between 50 and 30000, not 10\n");
}

TEST_CASE("config: the cache budget and the per-client limits are read, with their defaults") {
    Diagnostics d;
    auto defaults = parse_dnsd_config("[forward]\nupstreams = [\"192.0.2.1:53\"]\n", "a.toml", d);
    REQUIRE(defaults);
    CHECK(defaults->forward.cache_bytes == std::size_t{32} << 20);
    CHECK(defaults->forward.cache_max_message_bytes == std::size_t{256} << 10);
    CHECK(defaults->forward.max_outstanding_per_client == 128);
    CHECK(defaults->tcp_max_connections_per_client == 16);
    auto set = parse_dnsd_config("[tcp]\nmax_connections_per_client = 4\n[forward]\n"
                                 "cache_bytes = 1048576\ncache_max_message_bytes = 65536\n"
                                 "max_outstanding_per_client = 8\ncache_entries = 0\n",
                                 "b.toml", d);
    INFO(d.to_string());
    REQUIRE(set);
    CHECK(set->tcp_max_connections_per_client == 4);
    CHECK(set->forward.cache_bytes == 1048576);
    CHECK(set->forward.cache_max_message_bytes == 65536);
    CHECK(set->forward.max_outstanding_per_client == 8);
    CHECK(set->forward.cache_entries == 0);
}

TEST_CASE("config: the cache budget and the per-client limits are range-checked at their value") {
    Diagnostics d;
    CHECK_FALSE(parse_dnsd_config("[tcp]\nmax_connections_per_client = 0\n[forward]\n"
                                  "max_outstanding_per_client = 0\ncache_bytes = -1\n"
                                  "cache_max_message_bytes = 100\n",
                                  "c.toml", d));
    CHECK(d.to_string() ==
          "c.toml:2:30: error: 'max_connections_per_client' in [tcp] must be between 1 and 65535, "
          "not 0\n"
          "c.toml:4:30: error: 'max_outstanding_per_client' in [forward] must be between 1 and "
          "1000000, not 0\n"
          "c.toml:5:15: error: 'cache_bytes' in [forward] must be between 0 and 68719476736, "
          "not -1\n"
          "c.toml:6:27: error: 'cache_max_message_bytes' in [forward] must be between 512 and "
          "16777216, not 100\n");
}

TEST_CASE("check_dnsd_config: an upstream that is this server is an error at its position") {
    DnsdConfig config;
    config.listen = {*Endpoint::parse("127.0.0.1:53")};
    config.zones.push_back({"z.zone", {}, {}});
    config.forward.upstreams = {{*Endpoint::parse("127.0.0.1:53"), {"cfg.toml", 7, 14}},
                                {*Endpoint::parse("127.0.0.1:5300"), {"cfg.toml", 7, 30}},
                                {*Endpoint::parse("192.0.2.1:53"), {"cfg.toml", 7, 48}}};
    Diagnostics d;
    check_dnsd_config(config, "cfg.toml", d);
    CHECK(d.to_string() ==
          "cfg.toml:7:14: error: upstream 127.0.0.1:53 is one of phx-dnsd's own listen addresses: "
          "forwarding to it would loop back to this server\n");
}

TEST_CASE("check_dnsd_config: no listen address, no zone and duplicates are errors") {
    DnsdConfig config;
    Diagnostics d;
    check_dnsd_config(config, "command line", d);
    CHECK(d.error_count() == 2);
    config.listen = {*Endpoint::parse("127.0.0.1:53"), *Endpoint::parse("127.0.0.1:53")};
    config.zones.push_back({"z.zone", {}, {}});
    Diagnostics d2;
    check_dnsd_config(config, "command line", d2);
    CHECK(d2.to_string() == "command line: error: listen address 127.0.0.1:53 is given twice\n");
}

TEST_CASE("check_dnsd_config: listen addresses may be optional (checking zones only)") {
    DnsdConfig config;
    config.zones.push_back({"z.zone", {}, {}});
    Diagnostics required;
    check_dnsd_config(config, "command line", required);
    CHECK(
        required.to_string() ==
        "command line: error: no listen address: set [server] listen or pass --listen ADDR:PORT\n");
    Diagnostics optional;
    check_dnsd_config(config, "command line", optional, ListenAddresses::optional);
    CHECK(optional.error_count() == 0);
}

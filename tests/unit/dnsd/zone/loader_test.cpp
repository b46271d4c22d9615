// SPDX-License-Identifier: GPL-3.0-or-later
// Zone loading: valid zones load with empty non-terminals; every invalid
// construct is reported at its line, and a zone with an error is not built.
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <unistd.h>

using namespace phx;
using namespace phx::dns;
using phx::test::TempFile;
namespace fs = std::filesystem;

namespace {

const std::string kHead = "$TTL 300\n"
                          "@ SOA ns1 hostmaster 7 3600 900 1209600 60\n"
                          "@ NS ns1\n"
                          "ns1 A 192.0.2.1\n"; // lines 1-4

std::string key(std::string_view text) {
    auto n = wire::Name::from_text(text);
    REQUIRE(n);
    n->to_lower();
    return std::string{n->view()};
}

std::string errors_of(const std::string& body) {
    Diagnostics d;
    auto zone = load_zone_text(kHead + body, "example.", "test.zone", d);
    CHECK(zone == nullptr);
    return d.to_string();
}

} // namespace

TEST_CASE("zone: a valid zone loads with SOA facts and empty non-terminals") {
    Diagnostics d;
    auto zone =
        load_zone_text(kHead + "a.b.c A 192.0.2.9\nWWW A 192.0.2.10\n", "Example", "test.zone", d);
    REQUIRE(zone);
    CHECK_FALSE(d.failed());
    CHECK(zone->serial() == 7);
    CHECK(zone->negative_ttl() == 60); // min(SOA TTL 300, MINIMUM 60)
    CHECK(zone->record_count() == 5);
    REQUIRE(zone->find(key("b.c.example")));
    CHECK(zone->find(key("b.c.example"))->empty_non_terminal());
    CHECK(zone->find(key("c.example"))->empty_non_terminal());
    REQUIRE(zone->find(key("www.example")));
    CHECK(wire::name_to_text(wire::bytes_of(zone->find(key("www.example"))->owner)) ==
          "WWW.Example."); // the origin as given
    CHECK(zone->find(key("nope.example")) == nullptr);
}

TEST_CASE("zone: data outside the zone is an error at its line") {
    CHECK(errors_of("www.other. A 192.0.2.2\n") ==
          "test.zone:5: error: www.other. is outside the zone example.\n");
}

TEST_CASE("zone: a missing SOA or apex NS is an error") {
    Diagnostics d;
    CHECK_FALSE(load_zone_text("$TTL 60\n@ NS ns1\nns1 A 192.0.2.1\n", "example.", "test.zone", d));
    CHECK(d.to_string() == "test.zone: error: no SOA record at the zone apex example.\n");
    Diagnostics d2;
    CHECK_FALSE(
        load_zone_text("@ 60 SOA ns1 h 1 2 3 4 5\nns1 A 192.0.2.1\n", "example.", "test.zone", d2));
    CHECK(d2.to_string() == "test.zone: error: no NS records at the zone apex example.\n");
}

TEST_CASE("zone: a second SOA and an SOA below the apex are errors") {
    CHECK(errors_of("@ SOA ns2 hostmaster 8 3600 900 1209600 60\n") ==
          "test.zone:5: error: a second SOA record at example. (the first is at line 2)\n");
    CHECK(errors_of("sub SOA ns1 hostmaster 8 3600 900 1209600 60\n") ==
          "test.zone:5: error: SOA record at sub.example.: the SOA belongs at the zone apex "
          "example.\n");
}

TEST_CASE("zone: a CNAME beside other data, or two CNAMEs, is an error") {
    CHECK(errors_of("www CNAME ns1\nwww A 192.0.2.5\n") ==
          "test.zone:6: error: www.example. has a CNAME and A data (line 5): a CNAME must be the "
          "only "
          "data at its name (RFC 1034 3.6.2)\n");
    CHECK(errors_of("www CNAME ns1\nwww CNAME other\n") ==
          "test.zone:6: error: a second CNAME at www.example.: a name has at most one (the first "
          "is at line 5)\n");
    CHECK(errors_of("@ CNAME ns1\n") == "test.zone:5: error: example. has a CNAME and SOA data "
                                        "(line 2): a CNAME must be the only data "
                                        "at its name (RFC 1034 3.6.2)\n"
                                        "test.zone:5: error: example. has a CNAME and NS data "
                                        "(line 3): a CNAME must be the only data "
                                        "at its name (RFC 1034 3.6.2)\n");
}

TEST_CASE("zone: syntax errors from the scanner carry their line, nothing is served") {
    const std::string out =
        errors_of("www A 192.0.2.300\nok A 192.0.2.3\nbad TXT \"unterminated\n");
    CHECK(out.find("test.zone:5: error: ") == 0);
    CHECK(out.find("test.zone:7: error: ") != std::string::npos);
}

TEST_CASE("zone: non-IN classes and DNAME are rejected") {
    CHECK(errors_of("txt CH TXT \"x\"\n").find("test.zone:5: error: ") == 0);
    CHECK(errors_of("old DNAME new.example.\n") ==
          "test.zone:5: error: old.example.: DNAME records are not supported\n");
}

TEST_CASE("zone: duplicates and TTL conflicts are warnings, resolved predictably") {
    Diagnostics d;
    auto zone =
        load_zone_text(kHead + "www 300 A 192.0.2.5\nwww 300 A 192.0.2.5\nwww 100 A 192.0.2.6\n",
                       "example.", "test.zone", d);
    REQUIRE(zone);
    CHECK(d.to_string() == "test.zone:6: warning: duplicate A record at www.example. ignored (the "
                           "first is at line 5)\n"
                           "test.zone:7: warning: TTL 100 differs from the other A records at "
                           "www.example. (TTL 300, line 5); "
                           "the RRset uses the lowest (RFC 2181 5.2)\n");
    const RrSet* a = zone->find(key("www.example"))->find(RrType::a);
    REQUIRE(a);
    CHECK(a->rdata.size() == 2);
    CHECK(a->ttl == 100);
}

TEST_CASE("zone: data below a delegation is flagged, glue is not") {
    Diagnostics d;
    auto zone =
        load_zone_text(kHead + "sub NS ns.sub\nns.sub A 192.0.2.7\nwww.sub TXT \"hidden\"\n",
                       "example.", "test.zone", d);
    REQUIRE(zone);
    CHECK(d.to_string() == "test.zone:7: warning: www.sub.example. TXT is below the delegation at "
                           "sub.example. and is never "
                           "served (only glue A/AAAA belongs there)\n");
}

TEST_CASE("zone: an in-zone name server without an address is flagged") {
    Diagnostics d;
    auto zone = load_zone_text(kHead + "@ NS ns9\n", "example.", "test.zone", d);
    REQUIRE(zone);
    CHECK(d.to_string() == "test.zone:3: warning: name server ns9.example. of example. has no A or "
                           "AAAA record in the zone\n");
}

TEST_CASE("origin_from_file_name strips directories and the .zone suffix") {
    CHECK(origin_from_file_name("zones/internal.thinkheads.ai.zone") == "internal.thinkheads.ai.");
    CHECK(origin_from_file_name("/etc/x/example.com.db") == "example.com.");
    CHECK(origin_from_file_name("example.org") == "example.org.");
}

TEST_CASE("load_zone_set: the bundled zone loads, an unreadable file fails the whole set") {
    const std::string dir = PHX_SOURCE_DIR;
    std::vector<ZoneSource> sources{{dir + "/zones/internal.thinkheads.ai.zone", {}, {}}};
    Diagnostics d;
    auto set = load_zone_set(sources, d);
    REQUIRE(set);
    CHECK(d.all().empty());
    REQUIRE(set->zones().size() == 1);
    CHECK(set->zones()[0]->record_count() == 12); // SOA, NS, ns1 and the nine service names
    CHECK(set->find(key("traefik.internal.thinkheads.ai")) == set->zones()[0].get());
    CHECK(set->find(key("thinkheads.ai")) == nullptr);

    sources.push_back({"/nonexistent/example.zone", {}, {}});
    Diagnostics d2;
    CHECK(load_zone_set(sources, d2) == nullptr);
    CHECK(d2.to_string().find("/nonexistent/example.zone: error: cannot read the zone file: No "
                              "such file or directory\n") == 0);
    const std::vector<ZoneSource> directory{{std::string{PHX_SOURCE_DIR}, "example.", {}}};
    Diagnostics d3;
    CHECK(load_zone_set(directory, d3) == nullptr);
    CHECK(d3.to_string() ==
          std::string{PHX_SOURCE_DIR} + ": error: cannot read the zone file: is a directory\n");
}

TEST_CASE("zone: an $INCLUDE that cannot be read is named, with the reason, at its line") {
    const TempFile zone(kHead + "$INCLUDE /nonexistent/part.zone\n");
    const std::vector<ZoneSource> sources{{zone.path(), "example.", {}}};
    Diagnostics d;
    CHECK(load_zone_set(sources, d) == nullptr);
    const std::string text = d.to_string();
    CHECK(text.rfind(zone.path(), 0) == 0);
    CHECK(text.find(":5: error: cannot read $INCLUDE file /nonexistent/part.zone: No such file or "
                    "directory\n") == zone.path().size());
}

TEST_CASE("load_zone_set: the same origin twice is an error") {
    const std::string file = std::string{PHX_SOURCE_DIR} + "/zones/internal.thinkheads.ai.zone";
    std::vector<ZoneSource> sources{{file, {}, {}}, {file, {}, {"cfg.toml", 9, 8}}};
    Diagnostics d;
    CHECK(load_zone_set(sources, d) == nullptr);
    CHECK(d.to_string() ==
          "cfg.toml:9:8: error: zone internal.thinkheads.ai. is already loaded from " + file +
              "\n");
}

TEST_CASE("zone: an $INCLUDE loop or nesting deeper than 8 files is an error, not a hang") {
    const std::string dir =
        fs::temp_directory_path() / ("phx-includes-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream{dir + "/" + name} << text;
    };
    write("loop.zone", kHead + "$INCLUDE loop.zone\n");
    Diagnostics loop;
    const std::vector<ZoneSource> looping{{dir + "/loop.zone", "example.", {}}};
    CHECK(load_zone_set(looping, loop) == nullptr);
    CHECK(loop.to_string() == dir + "/loop.zone:5: error: $INCLUDE " + dir +
                                  "/loop.zone makes a loop: it is already being read\n");
    write("top.zone", kHead + "$INCLUDE n1.zone\n");
    for (int i = 1; i <= 9; ++i)
        write(fmt::format("n{}.zone", i), fmt::format("$INCLUDE n{}.zone\n", i + 1));
    write("n10.zone", "x A 192.0.2.9\n");
    Diagnostics deep;
    const std::vector<ZoneSource> nested{{dir + "/top.zone", "example.", {}}};
    CHECK(load_zone_set(nested, deep) == nullptr);
    CHECK(deep.to_string() ==
          dir + "/n7.zone:1: error: $INCLUDE " + dir + "/n8.zone nests more than 8 files deep\n");
    write("n5.zone", "x A 192.0.2.5\n"); // now 6 files deep: fine, and its record is served
    Diagnostics ok;
    const auto set = load_zone_set(nested, ok);
    CHECK_MESSAGE(set != nullptr, ok.to_string());
    fs::remove_all(dir);
}

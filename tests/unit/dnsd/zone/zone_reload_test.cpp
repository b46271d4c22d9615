// SPDX-License-Identifier: GPL-3.0-or-later
// A reload keeps a zone whose files did not change (the same object: not
// read again, not held twice) and reads again any zone whose file, or a
// file it $INCLUDEs, changed. Also: a zone's storage outlives the loader,
// and a file with many bad records says how many it did not print.
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"
#include "dnsd/zone/serial_policy.hpp"
#include "unit/temp_dir.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::dns;
using phx::test::TempDir;

namespace {

std::string head(unsigned serial) {
    return fmt::format("$TTL 300\n@ SOA ns1 hostmaster {} 3600 900 1209600 60\n@ NS ns1\n"
                       "ns1 A 192.0.2.1\n",
                       serial);
}

std::string key(std::string_view text) {
    auto n = wire::Name::from_text(text);
    REQUIRE(n);
    n->to_lower();
    return std::string{n->view()};
}

std::shared_ptr<const ZoneSet> load(const std::vector<ZoneSource>& sources, const ZoneSet* served) {
    Diagnostics d;
    auto set = load_zone_set(sources, d, nullptr, served);
    REQUIRE_MESSAGE(set, d.to_string());
    return set;
}

} // namespace

TEST_CASE("reload: an unchanged zone is kept, a changed file or $INCLUDE is read again") {
    TempDir dir;
    dir.write("a.example.zone", head(1) + "www A 192.0.2.10\n$INCLUDE more.inc\n");
    dir.write("more.inc", "mail A 192.0.2.25\n");
    dir.write("b.example.zone", head(1) + "www A 192.0.2.20\n");
    const std::vector<ZoneSource> sources{{dir.path() + "/a.example.zone", "", {}},
                                          {dir.path() + "/b.example.zone", "", {}}};
    const auto first = load(sources, nullptr);
    const auto again = load(sources, first.get());
    CHECK(again->zones()[0] == first->zones()[0]); // the same object
    CHECK(again->zones()[1] == first->zones()[1]);

    dir.write("more.inc", "mail A 192.0.2.26\n"); // only the included file changes
    const auto edited = load(sources, again.get());
    CHECK(edited->zones()[0] != again->zones()[0]);
    CHECK(edited->zones()[1] == again->zones()[1]);
    const Node* mail = edited->zones()[0]->find(key("mail.a.example."));
    REQUIRE(mail);
    CHECK(mail->find(RrType::a)->rdata.front() == std::string_view{"\xc0\x00\x02\x1a", 4});

    // Without a served set (start, --check) everything is read.
    const auto fresh = load(sources, nullptr);
    CHECK(fresh->zones()[1] != again->zones()[1]);
    CHECK(same_content(*fresh->zones()[1], *again->zones()[1]));
}

TEST_CASE("reload: a kept zone keeps the serial the policy gave it") {
    TempDir dir;
    dir.write("c.example.zone", head(1) + "www A 192.0.2.10\n");
    const std::vector<ZoneSource> sources{{dir.path() + "/c.example.zone", "", {}}};
    const auto loaded = load(sources, nullptr);
    const auto bumped = with_serial(*loaded->zones()[0], 2026120501);
    const ZoneSet served{{bumped}};
    const auto again = load(sources, &served);
    CHECK(again->zones()[0] == bumped);
    CHECK(again->zones()[0]->serial() == 2026120501);
    // The bumped zone shares the loaded zone's records and answers the same.
    CHECK(bumped->find(key("www.c.example."))->find(RrType::a)->rdata.front() ==
          loaded->zones()[0]->find(key("www.c.example."))->find(RrType::a)->rdata.front());
    CHECK(loaded->zones()[0]->serial() == 1);
}

TEST_CASE("zone: records stay valid after the loader and its input are gone") {
    std::shared_ptr<const Zone> zone;
    {
        Diagnostics d;
        std::string text = head(3);
        for (int i = 0; i < 2000; ++i) text += fmt::format("h{} TXT \"{}\"\n", i, std::string(200, 'x'));
        zone = load_zone_text(text, "big.example.", "big.zone", d);
        REQUIRE_MESSAGE(zone, d.to_string());
        text.assign(text.size(), '\0'); // nothing may point into the text
    }
    CHECK(zone->record_count() == 2003);
    const Node* node = zone->find(key("h1999.big.example."));
    REQUIRE(node);
    const auto txt = node->find(RrType::txt)->rdata.front();
    CHECK(txt.size() == 201); // one character-string of 200
    CHECK(txt.substr(1) == std::string(200, 'x'));
}

TEST_CASE("zone: past 100 errors, the rest are counted in one line") {
    std::string text = head(1);
    for (int i = 0; i < 150; ++i) text += fmt::format("h{}.elsewhere. A 192.0.2.1\n", i);
    Diagnostics d;
    CHECK_FALSE(load_zone_text(text, "example.", "test.zone", d));
    CHECK(d.error_count() == 101);
    const std::string all = d.to_string();
    CHECK(all.find("test.zone:5: error: h0.elsewhere. is outside the zone example.") != std::string::npos);
    CHECK(all.find("h99.elsewhere.") != std::string::npos);
    CHECK(all.find("h100.elsewhere.") == std::string::npos);
    CHECK(all.find("test.zone: error: 50 more errors in this zone not shown") != std::string::npos);
}

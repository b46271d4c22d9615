// SPDX-License-Identifier: GPL-3.0-or-later
// IXFR (RFC 1995) from the journal of reloads: the differences condensed
// from the client's version, a single SOA when it is current or asks over
// UDP, the whole zone when the journal does not reach back; and how the
// journal is kept (TTL changes, its byte budget, serials that go back).
#include "dnsd/served_zones.hpp"
#include "dnsd/xfr/journal.hpp"
#include "unit/dnsd/xfr/xfr_util.hpp"

#include <algorithm>

using namespace phx;
using namespace phx::dns;
using namespace phx::test;

namespace {

std::string version(int serial, const std::string& body) {
    return fmt::format("$TTL 300\n@ SOA ns1 hostmaster {} 86400 3600 1209600 60\n@ NS ns1\n"
                       "ns1 A 192.0.2.1\n{}",
                       serial, body);
}

// Three versions: v2 adds b and changes a, v3 removes b again and adds c.
const std::string kV1 = version(1, "a A 10.0.0.1\nkeep TXT \"same\"\n");
const std::string kV2 = version(2, "a A 10.0.0.2\nb A 10.0.0.3\nkeep TXT \"same\"\n");
const std::string kV3 = version(3, "a A 10.0.0.2\nc A 10.0.0.4\nkeep TXT \"same\"\n");

std::shared_ptr<const xfr::TransferState> reload_through(const std::vector<std::string>& versions,
                                                         const TransferConfig& config) {
    std::shared_ptr<const xfr::TransferState> state;
    for (const auto& text : versions)
        state = xfr::next_state(state.get(), set_of(zone_from_text(text, "ix.test.")), config);
    return state;
}

std::vector<std::string> texts(const std::vector<Rr>& records) {
    std::vector<std::string> out;
    for (const auto& r : records) out.push_back(fmt::format("{} {}", r.owner, r.data));
    return out;
}

} // namespace

TEST_CASE("ixfr: two versions behind, the differences arrive condensed into one") {
    const auto state = reload_through({kV1, kV2, kV3}, allow_config("127.0.0.1"));
    CHECK(state->journal(std::string_view{"\x02ix\x04test\x00", 9})->versions() == 2);
    const auto c = collect(ixfr_query("ix.test.", 1), state);
    REQUIRE(c.summary.kind == xfr::Kind::ixfr);
    CHECK(c.summary.client_serial == 1u);
    CHECK(c.summary.serial == 3);
    // SOA 3, SOA 1, what went, SOA 3, what came, SOA 3. b came and went
    // between the client's version and ours: it is in neither list.
    CHECK(texts(c.answers) ==
          std::vector<std::string>{
              "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 1 min=60", "a.ix.test. 10.0.0.1",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60", "a.ix.test. 10.0.0.2",
              "c.ix.test. 10.0.0.4", "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60"});
    CHECK(c.messages.size() == 1);
}

TEST_CASE("ixfr: one version behind gets that difference, a current client a single SOA") {
    const auto state = reload_through({kV1, kV2, kV3}, allow_config("127.0.0.1"));
    auto c = collect(ixfr_query("ix.test.", 2), state);
    REQUIRE(c.summary.kind == xfr::Kind::ixfr);
    CHECK(texts(c.answers) ==
          std::vector<std::string>{
              "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 2 min=60", "b.ix.test. 10.0.0.3",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60", "c.ix.test. 10.0.0.4",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60"});

    for (std::uint32_t current : {3u, 4u}) { // the same version, or one ahead of ours
        c = collect(ixfr_query("ix.test.", current), state);
        CHECK(c.summary.kind == xfr::Kind::ixfr_soa);
        CHECK(texts(c.answers) ==
              std::vector<std::string>{"ix.test. ns1.ix.test. hostmaster.ix.test. 3 min=60"});
    }
    c = collect(ixfr_query("ix.test.", 1), state, Transport::udp); // RFC 1995 §2: go to TCP
    CHECK(c.summary.kind == xfr::Kind::ixfr_soa);
    CHECK(c.answers.size() == 1);
}

TEST_CASE("ixfr: a version the journal does not reach gets the whole zone, AXFR-style") {
    const auto state = reload_through({kV1, kV2, kV3}, allow_config("127.0.0.1"));
    const auto c = collect(ixfr_query("ix.test.", 0), state);
    CHECK(c.summary.kind == xfr::Kind::ixfr_full);
    REQUIRE(c.answers.size() == 7); // SOA, NS, ns1, a, c, keep, SOA
    CHECK(c.answers.front().type == 6);
    CHECK(c.answers.back().type == 6);
    CHECK(c.replies[0].qname == "ix.test.");

    auto no_soa = make_query("ix.test.", 251);
    CHECK(collect(no_soa, state).replies[0].rcode == 1); // FORMERR: whose version?
}

TEST_CASE("ixfr: the journal keeps to its byte budget, dropping the oldest difference") {
    TransferConfig config = allow_config("127.0.0.1");
    const auto full = reload_through({kV1, kV2, kV3}, config);
    const std::string origin{"\x02ix\x04test\x00", 9};
    const std::size_t both = full->journal(origin)->bytes();
    config.journal_bytes = both - 1;
    const auto trimmed = reload_through({kV1, kV2, kV3}, config);
    CHECK(trimmed->journal(origin)->versions() == 1);
    CHECK(collect(ixfr_query("ix.test.", 1), trimmed).summary.kind == xfr::Kind::ixfr_full);
    CHECK(collect(ixfr_query("ix.test.", 2), trimmed).summary.kind == xfr::Kind::ixfr);
    config.journal_bytes = 0;
    CHECK(reload_through({kV1, kV2, kV3}, config)->journal(origin)->versions() == 0);
}

TEST_CASE("ixfr: the journal keeps the differences of the last N reloads") {
    TransferConfig config = allow_config("127.0.0.1");
    const std::string origin{"\x02ix\x04test\x00", 9};
    config.journal_versions = 1;
    const auto one = reload_through({kV1, kV2, kV3}, config);
    CHECK(one->journal(origin)->versions() == 1);
    CHECK(collect(ixfr_query("ix.test.", 1), one).summary.kind == xfr::Kind::ixfr_full);
    CHECK(collect(ixfr_query("ix.test.", 2), one).summary.kind == xfr::Kind::ixfr);
    config.journal_versions = 0; // no history: every IXFR behind us gets the whole zone
    const auto none = reload_through({kV1, kV2, kV3}, config);
    CHECK(none->journal(origin)->versions() == 0);
    CHECK(collect(ixfr_query("ix.test.", 2), none).summary.kind == xfr::Kind::ixfr_full);
}

TEST_CASE("ixfr: the journal speaks of the served serials, as the serial policy set them") {
    // The file's serial stays 7 while its content changes twice: the
    // policy serves 7, 8, 9, and IXFR must lead from 7 and 8 to 9.
    const auto config = allow_config("127.0.0.1");
    std::shared_ptr<const xfr::TransferState> state;
    std::shared_ptr<const ZoneSet> served;
    for (const char* body : {"a A 10.0.0.1\n", "a A 10.0.0.2\n", "a A 10.0.0.3\n"}) {
        const auto loaded = set_of(zone_from_text(version(7, body), "ix.test."));
        std::vector<SerialReport> reports;
        served = apply_serial_policy(*loaded, served.get(), SerialPolicy::increment, 0, reports);
        state = xfr::next_state(state.get(), served, config);
    }
    CHECK(served->zones()[0]->serial() == 9);
    auto c = collect(ixfr_query("ix.test.", 8), state);
    REQUIRE(c.summary.kind == xfr::Kind::ixfr);
    CHECK(texts(c.answers) ==
          std::vector<std::string>{
              "ix.test. ns1.ix.test. hostmaster.ix.test. 9 min=60",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 8 min=60", "a.ix.test. 10.0.0.2",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 9 min=60", "a.ix.test. 10.0.0.3",
              "ix.test. ns1.ix.test. hostmaster.ix.test. 9 min=60"});
    CHECK(collect(ixfr_query("ix.test.", 7), state).summary.kind == xfr::Kind::ixfr);
    // Under policy keep the change is served under the same serial: no
    // secondary can ask for it, and the history no longer leads here.
    const auto loaded = set_of(zone_from_text(version(9, "a A 10.0.0.4\n"), "ix.test."));
    std::vector<SerialReport> reports;
    served = apply_serial_policy(*loaded, served.get(), SerialPolicy::keep, 0, reports);
    state = xfr::next_state(state.get(), served, config);
    CHECK(state->journal(std::string_view{"\x02ix\x04test\x00", 9})->versions() == 0);
}

TEST_CASE("ixfr: an unchanged reload keeps the journal, a serial that went back empties it") {
    const auto config = allow_config("127.0.0.1");
    const std::string origin{"\x02ix\x04test\x00", 9};
    CHECK(reload_through({kV1, kV2, kV2}, config)->journal(origin)->versions() == 1);
    CHECK(reload_through({kV1, kV2, kV1}, config)->journal(origin)->versions() == 0);
    CHECK(reload_through({kV1}, config)->journal(origin)->versions() == 0);
}

TEST_CASE("journal: a changed TTL is the old record removed and the new one added") {
    const auto before = zone_from_text(version(1, "a A 10.0.0.1\n"), "ix.test.");
    const auto after = zone_from_text(version(2, "a 600 A 10.0.0.1\n"), "ix.test.");
    const auto d = xfr::difference(*before, *after);
    REQUIRE(d.removed.size() == 1);
    REQUIRE(d.added.size() == 1);
    CHECK(d.removed[0].ttl == 300);
    CHECK(d.added[0].ttl == 600);
    CHECK(d.from_serial == 1);
    CHECK(d.to_serial == 2);
    const auto none = xfr::difference(*before, *before);
    CHECK(none.removed.empty());
    CHECK(none.added.empty());
}

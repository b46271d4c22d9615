// SPDX-License-Identifier: GPL-3.0-or-later
// A reload of an edited zone builds the new version from what changed,
// over the served one (ZoneUpdate). What it serves must be exactly what a
// full build of the same file serves: the same names (empty non-terminals
// included), owners in the case first written, RRsets, TTLs and rdata.
// Whatever a full build would warn or fail about is left to the full build.
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/loader.hpp"
#include "unit/dnsd/zone/zone_dump.hpp"
#include "unit/temp_dir.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <random>

using namespace phx;
using namespace phx::dns;
using phx::test::dump;
using phx::test::TempDir;
using phx::test::text_of;

namespace {

constexpr std::string_view kHead = "$TTL 300\n@ SOA ns1 hostmaster {} 3600 900 1209600 60\n"
                                   "@ NS ns1\nns1 A 192.0.2.1\n";

std::string key(std::string_view text) {
    auto n = wire::Name::from_text(text);
    REQUIRE(n);
    n->to_lower();
    return std::string{n->view()};
}

struct Loaded {
    std::shared_ptr<const ZoneSet> set;
    std::string messages;
};

Loaded load(const std::vector<ZoneSource>& sources, const ZoneSet* served) {
    Diagnostics d;
    auto set = load_zone_set(sources, d, nullptr, served);
    return {std::move(set), d.to_string()};
}

// A zone file kept as lines, reloaded after each edit.
struct EditedZone {
    TempDir dir;
    std::vector<ZoneSource> sources{{dir.path() + "/ex.example.zone", "", {}}};
    unsigned serial = 1;
    std::vector<std::string> lines;
    std::shared_ptr<const ZoneSet> served;

    void write() {
        std::string text = fmt::format(fmt::runtime(kHead), serial++);
        for (const auto& l : lines) text += l + "\n";
        dir.write("ex.example.zone", text);
    }
    // Reloads; checks that what is served equals a full build of the file.
    // Returns the messages of the reload; `updated` says which path it took.
    std::string reload(bool& updated) {
        write();
        const auto next = load(sources, served.get());
        const auto full = load(sources, nullptr);
        REQUIRE((next.set == nullptr) == (full.set == nullptr));
        if (!next.set) return next.messages;
        const Zone& zone = *next.set->zones()[0];
        CHECK(dump(zone) == dump(*full.set->zones()[0]));
        updated = zone.base() != nullptr;
        served = next.set;
        return next.messages;
    }
    bool reload_updated() {
        bool updated = false;
        const auto messages = reload(updated);
        CHECK_MESSAGE(messages.empty(), messages);
        return updated;
    }
    const Zone& zone() const { return *served->zones()[0]; }
    const Node* find(std::string_view name) const { return zone().find(key(name)); }
};

} // namespace

TEST_CASE("update: names appear and go with their empty non-terminals") {
    EditedZone z;
    z.lines = {"www A 192.0.2.10", "www AAAA 2001:db8::10", "x.y.deep A 192.0.2.20"};
    CHECK_FALSE(z.reload_updated()); // the first load is whole
    REQUIRE(z.find("y.deep.ex.example."));
    CHECK(z.find("y.deep.ex.example.")->empty_non_terminal());

    z.lines.push_back("a.b.c.new A 192.0.2.30");
    CHECK(z.reload_updated());
    for (auto ent : {"b.c.new.ex.example.", "c.new.ex.example.", "new.ex.example."}) {
        REQUIRE_MESSAGE(z.find(ent), ent);
        CHECK(z.find(ent)->empty_non_terminal());
    }
    // Gone again: so are the names that existed only above it.
    z.lines.pop_back();
    CHECK(z.reload_updated());
    CHECK(z.find("a.b.c.new.ex.example.") == nullptr);
    CHECK(z.find("c.new.ex.example.") == nullptr);
    CHECK(z.find("new.ex.example.") == nullptr);

    // A name that loses its records but has one below stays, empty.
    z.lines.push_back("deep A 192.0.2.40");
    CHECK(z.reload_updated());
    CHECK_FALSE(z.find("deep.ex.example.")->empty_non_terminal());
    z.lines.pop_back();
    CHECK(z.reload_updated());
    REQUIRE(z.find("deep.ex.example."));
    CHECK(z.find("deep.ex.example.")->empty_non_terminal());
    // And a record at an empty non-terminal makes it a name like any other.
    z.lines.push_back("y.deep TXT \"now\"");
    CHECK(z.reload_updated());
    CHECK(z.find("y.deep.ex.example.")->find(RrType::txt) != nullptr);
}

TEST_CASE("update: case, TTLs, order and the SOA follow the file") {
    EditedZone z;
    z.lines = {"www 300 A 192.0.2.10", "www 300 A 192.0.2.11", "mail 300 MX 10 www"};
    z.reload_updated();
    z.lines[0] = "WWW 300 A 192.0.2.10"; // the first record at the name: its case is the owner's
    CHECK(z.reload_updated());
    CHECK(text_of(z.find("www.ex.example.")->owner) == "WWW.ex.example.");
    z.lines = {"www 600 A 192.0.2.10", "www 600 A 192.0.2.11", "mail 300 MX 10 www"};
    CHECK(z.reload_updated());
    CHECK(z.find("www.ex.example.")->find(RrType::a)->ttl == 600);
    CHECK(text_of(z.find("www.ex.example.")->owner) == "www.ex.example.");
    std::swap(z.lines[0], z.lines[2]); // the same records in another order
    CHECK(z.reload_updated());
    CHECK(z.zone().serial() == z.serial - 1);
    CHECK(z.zone().record_count() == 6);
}

TEST_CASE("update: what a full build would warn or fail about is built in full") {
    EditedZone z;
    z.lines = {"www A 192.0.2.10", "sub.www TXT \"below\""};
    z.reload_updated();
    bool updated = true;

    z.lines.push_back("www A 192.0.2.10"); // a duplicate: warned, with its line
    auto said = z.reload(updated);
    CHECK_FALSE(updated);
    CHECK(said.find("duplicate A record") != std::string::npos);
    CHECK(said.find("ex.example.zone:7") != std::string::npos);
    z.lines.pop_back();
    z.reload_updated(); // a zone that warned is not updated: built in full
    CHECK(z.reload_updated());

    z.lines.push_back("www 60 A 192.0.2.11"); // a TTL differing inside the RRset
    said = z.reload(updated);
    CHECK_FALSE(updated);
    CHECK(said.find("differs") != std::string::npos);
    z.lines.pop_back();
    z.reload_updated();

    z.lines.push_back("sub NS ns.elsewhere.example."); // a new delegation
    CHECK_FALSE(z.reload_updated());
    z.lines.pop_back();
    CHECK_FALSE(z.reload_updated());

    const auto before = z.served;
    z.lines.push_back("www CNAME elsewhere.example."); // an error: nothing changes
    said = z.reload(updated);
    CHECK(said.find("has a CNAME and A data") != std::string::npos);
    CHECK(z.served == before);
    z.lines.pop_back();

    z.lines = {"sub.www TXT \"below\""}; // ns1 keeps its address: updated
    CHECK(z.reload_updated());
    z.lines = {"www A 192.0.2.10"};
    CHECK(z.reload_updated());
}

TEST_CASE("update: a name server losing its address is left to the full build") {
    EditedZone z;
    z.lines = {"@ NS ns2", "ns2 A 192.0.2.2", "www A 192.0.2.10"};
    z.reload_updated();
    z.lines = {"@ NS ns2", "ns2 TXT \"moved\"", "www A 192.0.2.10"};
    bool updated = true;
    const auto said = z.reload(updated);
    CHECK_FALSE(updated);
    CHECK(said.find("name server ns2.ex.example. of ex.example. has no A or AAAA") !=
          std::string::npos);
    // Any other name may lose its address in an update.
    z.lines = {"@ NS ns2", "ns2 A 192.0.2.2", "www TXT \"no address\""};
    z.reload_updated(); // after a zone that warned: whole
    z.lines = {"@ NS ns2", "ns2 A 192.0.2.2"};
    CHECK(z.reload_updated());
    CHECK(z.find("www.ex.example.") == nullptr);
}

TEST_CASE("update: a hundred random edits serve what a full build serves") {
    EditedZone z;
    std::mt19937 random{20261205};
    unsigned address = 0;
    const auto next_a = [&] {
        ++address;
        return fmt::format("A 10.{}.{}.{}", address >> 16 & 255, address >> 8 & 255, address & 255);
    };
    const auto lower = [](const std::string& line) { // the owner, lower case
        std::string owner = line.substr(0, line.find(' '));
        for (char& c : owner) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return owner;
    };
    const auto name = [&](unsigned i) { return fmt::format("h{}.g{}.s{}", i, i % 7, i % 3); };
    for (unsigned i = 0; i < 300; ++i)
        z.lines.push_back(fmt::format("{} 300 {}", name(i), next_a()));
    z.reload_updated();
    int updates = 0;
    unsigned next_name = 300;
    for (int round = 0; round < 100; ++round) {
        const auto pick = [&] {
            return std::uniform_int_distribution<std::size_t>{0, z.lines.size() - 1}(random);
        };
        const int edits = std::uniform_int_distribution<int>{1, 4}(random);
        for (int e = 0; e < edits; ++e) {
            switch (std::uniform_int_distribution<int>{0, 5}(random)) {
            case 0: { // a record more at a name that has one, with its TTL
                const std::string& l = z.lines[pick()];
                z.lines.push_back(l.substr(0, l.find(' ', l.find(' ') + 1)) + " " + next_a());
                break;
            }
            case 1: // a new name, a new subtree
                z.lines.push_back(
                    fmt::format("n{}.t{} 300 TXT \"r{}\"", next_name, next_name % 5, round));
                ++next_name;
                break;
            case 2: // a record gone
                if (z.lines.size() > 10)
                    z.lines.erase(z.lines.begin() + static_cast<std::ptrdiff_t>(pick()));
                break;
            case 3: { // every record at a name to another TTL
                const std::string owner = lower(z.lines[pick()]);
                const std::string ttl = std::to_string(60 * (1 + round % 9));
                for (auto& l : z.lines)
                    if (lower(l) == owner) {
                        const auto a = l.find(' ') + 1;
                        l.replace(a, l.find(' ', a) - a, ttl);
                    }
                break;
            }
            case 4: { // a record's owner in upper case
                auto& l = z.lines[pick()];
                std::transform(l.begin(), l.begin() + static_cast<std::ptrdiff_t>(l.find(' ')),
                               l.begin(),
                               [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
                break;
            }
            default: // two records swapped
                std::swap(z.lines[pick()], z.lines[pick()]);
            }
        }
        // Case differences between a name's records are fine; duplicates
        // (a line copied by case 0 with an address reused) cannot occur.
        bool updated = false;
        const auto said = z.reload(updated);
        CHECK_MESSAGE(said.empty(), said);
        updates += updated ? 1 : 0;
    }
    // Once the names changed since the last whole build pass an eighth of
    // the zone, it is built whole again: some rounds are, most are not.
    CHECK(updates >= 80);
    CHECK(updates < 100);
}

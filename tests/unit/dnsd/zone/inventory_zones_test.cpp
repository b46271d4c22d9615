// SPDX-License-Identifier: GPL-3.0-or-later
// The inventory's names: host records join their zone, reverse zones cover
// every network on the right boundaries, every host is forward-confirmed,
// and a zone file that takes a host's name is refused with both positions.
#include "common/inventory/inventory.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/inventory_zones.hpp"
#include "dnsd/zone/loader.hpp"
#include "unit/temp_file.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

using namespace phx;
using namespace phx::dns;
using phx::test::TempFile;

namespace {

std::string key(std::string_view text) {
    auto n = wire::Name::from_text(text);
    REQUIRE(n);
    n->to_lower();
    return std::string{n->view()};
}

std::string text_of(std::string_view wire_name) {
    return wire::name_to_text(wire::bytes_of(wire_name));
}

std::string address_text(std::string_view rdata) {
    if (rdata.size() == 4)
        return fmt::format("{}.{}.{}.{}", static_cast<std::uint8_t>(rdata[0]),
                           static_cast<std::uint8_t>(rdata[1]), static_cast<std::uint8_t>(rdata[2]),
                           static_cast<std::uint8_t>(rdata[3]));
    IpAddress a{IpFamily::v6, {}};
    std::copy(rdata.begin(), rdata.end(), a.bytes.begin());
    return a.to_string();
}

const char* const kRules = R"([hypervisor]
name = "hypervisor"
address = "172.20.0.1"
network = "172.20.0.0/16"
bridge = "vmbr0"

[[guest]]
id = 101
kind = "lxc"
name = "proxy"
address = "172.20.1.10"

[[guest]]
id = 2001
kind = "vm"
name = "builder"
address = "172.20.7.200"
)";

const char* const kZone = R"($TTL 300
@ SOA ns1 hostmaster 2026120101 3600 900 1209600 60
@ NS ns1
ns1 A 172.20.0.1
git A 172.20.1.10
)";

struct Loaded {
    std::shared_ptr<const ZoneSet> zones;
    std::string messages;
};

// The zone (file "workshop.home.arpa.zone" in a temp file) with the inventory's names.
Loaded load(const std::string& rules, const std::string& zone, const std::string& label = "hosts") {
    TempFile rules_file{rules};
    TempFile zone_file{zone};
    Diagnostics d;
    auto inventory = inventory::load_inventory_file(rules_file.path(), d);
    REQUIRE_MESSAGE(inventory, d.to_string());
    InventoryNames names{
        *inventory, rules_file.path(), key("workshop.home.arpa."), "workshop.home.arpa.", label,
        600};
    const std::vector<ZoneSource> sources{{zone_file.path(), "workshop.home.arpa.", {}}};
    Loaded out;
    out.zones = load_zone_set(sources, d, &names);
    out.messages = d.to_string();
    // Positions name the temp files; make them stable for the checks.
    for (const auto& [path, stable] : {std::pair{rules_file.path(), std::string{"rules.toml"}},
                                       std::pair{zone_file.path(), std::string{"zone"}}})
        for (auto at = out.messages.find(path); at != std::string::npos;
             at = out.messages.find(path))
            out.messages.replace(at, path.size(), stable);
    return out;
}

// The one record of `type` at `name`, as text: an address or a name.
std::vector<std::string> answers(const ZoneSet& zones, const std::string& name, RrType type) {
    const Zone* zone = zones.find(key(name));
    REQUIRE(zone);
    const Node* node = zone->find(key(name));
    if (!node) return {};
    const RrSet* set = node->find(type);
    if (!set) return {};
    std::vector<std::string> out;
    for (const auto& rdata : set->rdata)
        out.push_back(type == RrType::ptr ? text_of(rdata) : address_text(rdata));
    return out;
}

} // namespace

TEST_CASE("reverse_origins: octet and nibble boundaries, splitting and widening") {
    auto origins = [](const char* cidr) { return reverse_origins(*Cidr::parse(cidr)); };
    CHECK(origins("10.0.0.0/24") == std::vector<std::string>{"0.0.10.in-addr.arpa."});
    CHECK(origins("172.20.0.0/16") == std::vector<std::string>{"20.172.in-addr.arpa."});
    CHECK(origins("10.0.0.0/8") == std::vector<std::string>{"10.in-addr.arpa."});
    CHECK(origins("10.0.0.64/26") == std::vector<std::string>{"0.0.10.in-addr.arpa."});
    CHECK(origins("192.0.2.77/32") == std::vector<std::string>{"2.0.192.in-addr.arpa."});
    const auto split = origins("10.1.16.0/20");
    REQUIRE(split.size() == 16);
    CHECK(split.front() == "16.1.10.in-addr.arpa.");
    CHECK(split.back() == "31.1.10.in-addr.arpa.");
    CHECK(origins("10.0.0.0/7") ==
          std::vector<std::string>{"10.in-addr.arpa.", "11.in-addr.arpa."});
    CHECK(origins("2001:db8::/32") == std::vector<std::string>{"8.b.d.0.1.0.0.2.ip6.arpa."});
    CHECK(origins("2001:db8:0:4::/62") ==
          std::vector<std::string>{"4.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
                                   "5.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
                                   "6.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
                                   "7.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."});
    CHECK(origins("0.0.0.0/0").size() == 256);
}

TEST_CASE("reverse_name: in-addr.arpa and ip6.arpa owners") {
    CHECK(reverse_name(*IpAddress::parse("10.0.0.13")) == "13.0.0.10.in-addr.arpa.");
    CHECK(reverse_name(*IpAddress::parse("2001:db8::1")) ==
          "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

TEST_CASE("inventory names: every host forward-confirmed, the zone file's records kept") {
    const auto loaded = load(kRules, kZone);
    REQUIRE_MESSAGE(loaded.zones, loaded.messages);
    CHECK(loaded.messages.empty());
    REQUIRE(loaded.zones->zones().size() == 2);
    const Zone& reverse = *loaded.zones->zones().back();
    CHECK(text_of(reverse.origin()) == "20.172.in-addr.arpa.");
    CHECK(reverse.soa().rdata.front() == loaded.zones->zones().front()->soa().rdata.front());
    CHECK(reverse.serial() == 2026120101);
    const std::vector<std::pair<std::string, std::string>> hosts{
        {"172.20.0.1", "hypervisor.hosts.workshop.home.arpa."},
        {"172.20.1.10", "proxy.hosts.workshop.home.arpa."},
        {"172.20.7.200", "builder.hosts.workshop.home.arpa."}};
    for (const auto& [address, name] : hosts) {
        CAPTURE(address);
        const auto ptr =
            answers(*loaded.zones, reverse_name(*IpAddress::parse(address)), RrType::ptr);
        REQUIRE(ptr.size() == 1);
        CHECK(ptr.front() == name);
        CHECK(answers(*loaded.zones, ptr.front(), RrType::a) == std::vector{address});
    }
    CHECK(answers(*loaded.zones, "git.workshop.home.arpa.", RrType::a) ==
          std::vector<std::string>{"172.20.1.10"});
    CHECK(answers(*loaded.zones, "ns1.workshop.home.arpa.", RrType::a) ==
          std::vector<std::string>{"172.20.0.1"});
    // The label is an empty non-terminal: NODATA, not NXDOMAIN, for hosts.<zone>.
    const Node* label = loaded.zones->find(key("hosts.workshop.home.arpa."))
                            ->find(key("hosts.workshop.home.arpa."));
    REQUIRE(label);
    CHECK(label->empty_non_terminal());
    const Node* proxy = loaded.zones->zones().front()->find(key("proxy.hosts.workshop.home.arpa."));
    REQUIRE(proxy);
    CHECK(proxy->find(RrType::a)->ttl == 600);
}

TEST_CASE("inventory names: IPv6 hosts get AAAA and ip6.arpa PTRs") {
    const std::string rules = R"([hypervisor]
name = "hv"
address = "2001:db8:0:1::1"
network = "2001:db8:0:1::/64"
bridge = "vmbr0"

[[guest]]
id = 101
kind = "lxc"
name = "web"
address = "2001:db8:0:1::80"
)";
    const auto loaded = load(rules, kZone);
    REQUIRE_MESSAGE(loaded.zones, loaded.messages);
    CHECK(answers(*loaded.zones, "web.hosts.workshop.home.arpa.", RrType::aaaa) ==
          std::vector<std::string>{"2001:db8:0:1::80"});
    const auto ptr =
        answers(*loaded.zones, reverse_name(*IpAddress::parse("2001:db8:0:1::80")), RrType::ptr);
    CHECK(ptr == std::vector<std::string>{"web.hosts.workshop.home.arpa."});
    CHECK(text_of(loaded.zones->zones().back()->origin()) ==
          "1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.");
}

TEST_CASE("inventory names: a zone file record at a host's name is refused, naming both places") {
    const auto taken = load(kRules, std::string{kZone} + "proxy.hosts A 172.20.9.9\n");
    CHECK(taken.zones == nullptr);
    CHECK(taken.messages.find("zone:6: error: proxy.hosts.workshop.home.arpa. is a host name from "
                              "the inventory (rules.toml:") != std::string::npos);
    CHECK(taken.messages.find("duplicate") == std::string::npos); // said once, not again
    const auto below = load(kRules, std::string{kZone} + "www.proxy.hosts TXT \"x\"\n");
    CHECK(below.zones == nullptr);
    CHECK(below.messages.find("zone:6: error: www.proxy.hosts.workshop.home.arpa.") !=
          std::string::npos);
    const auto hidden = load(kRules, std::string{kZone} + "hosts NS ns1\n");
    CHECK(hidden.zones == nullptr);
    CHECK(hidden.messages.find("hosts.workshop.home.arpa. NS would hide the inventory's host "
                               "names") != std::string::npos);
    // Other names under the label are the zone file's to use.
    const auto beside = load(kRules, std::string{kZone} + "printer.hosts A 172.20.9.9\n");
    CHECK_MESSAGE(beside.zones != nullptr, beside.messages);
}

TEST_CASE("inventory names: a zone name pointing into the network at no host is a warning") {
    const auto loaded = load(kRules, std::string{kZone} + "old A 172.20.3.3\nout A 192.0.2.1\n");
    REQUIRE_MESSAGE(loaded.zones, loaded.messages);
    CHECK(loaded.messages == "zone:6: warning: old.workshop.home.arpa. points at 172.20.3.3, in "
                             "the inventory's network, but no host of rules.toml has that "
                             "address\n");
}

TEST_CASE("inventory names: without a label, a service record with a host's name collides") {
    const auto loaded = load(kRules, std::string{kZone} + "proxy A 172.20.1.10\n", "");
    CHECK(loaded.zones == nullptr);
    CHECK(loaded.messages.find("zone:6: error: proxy.workshop.home.arpa. is a host name") !=
          std::string::npos);
    const auto free = load(kRules, kZone, "");
    REQUIRE_MESSAGE(free.zones, free.messages);
    CHECK(answers(*free.zones, "proxy.workshop.home.arpa.", RrType::a) ==
          std::vector<std::string>{"172.20.1.10"});
}

TEST_CASE("inventory names: the names' zone must be served, a reverse zone only once") {
    TempFile rules_file{kRules};
    TempFile zone_file{kZone};
    Diagnostics d;
    auto inventory = inventory::load_inventory_file(rules_file.path(), d);
    REQUIRE(inventory);
    InventoryNames elsewhere{*inventory,       rules_file.path(), key("other.example."),
                             "other.example.", "hosts",           300};
    const std::vector<ZoneSource> sources{{zone_file.path(), "workshop.home.arpa.", {}}};
    CHECK(load_zone_set(sources, d, &elsewhere) == nullptr);
    CHECK(d.to_string().find("belong in other.example., which is not one of the zones served") !=
          std::string::npos);

    TempFile reverse_file{"$TTL 60\n@ SOA ns1.x. h.x. 1 2 3 4 5\n@ NS ns1.x.\n"};
    InventoryNames names{
        *inventory, rules_file.path(), key("workshop.home.arpa."), "workshop.home.arpa.", "hosts",
        300};
    const std::vector<ZoneSource> both{{zone_file.path(), "workshop.home.arpa.", {}},
                                       {reverse_file.path(), "20.172.in-addr.arpa.", {}}};
    Diagnostics d2;
    CHECK(load_zone_set(both, d2, &names) == nullptr);
    CHECK(d2.to_string().find("zone 20.172.in-addr.arpa. is already loaded from " +
                              reverse_file.path()) != std::string::npos);
}

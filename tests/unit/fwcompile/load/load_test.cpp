// SPDX-License-Identifier: GPL-3.0-or-later
// Loading rules files: the spec's file loads completely, hosts resolve by
// name, id and address, and every mistake is reported at file:line:col.
#include "common/config/document.hpp"
#include "fwcompile/flow.hpp"
#include "fwcompile/load/detail.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fstream>
#include <iterator>

using namespace phx;
using namespace phx::fw;
using phx::fw::test::load_rows;
using phx::fw::test::load_text;

namespace {

// A valid row with one key replaced or added: `key = value` lines.
std::string row(const std::string& changes) {
    return "\n[[rule]]\n" // the header is on line kFirstRowLine + 1
           "scope = \"global\"\n"
           "direction = \"in\"\n"
           "action = \"accept\"\n" +
           changes + "\ncomment = \"a row\"\n";
}

} // namespace

TEST_CASE("load: the spec's rules file holds every host and every row of section 2") {
    Diagnostics diag;
    const auto rules = load_rules(PHX_SOURCE_DIR "/rules/phoenix.toml", diag);
    REQUIRE(rules);
    CHECK(diag.to_string().empty());
    const Inventory& inv = rules->inventory;
    REQUIRE(inv.hosts.size() == 10);
    CHECK(inv.hypervisor().address.to_string() == "10.0.0.13");
    CHECK(inv.bridges == std::vector<std::string>{"vmbr0"});
    const std::pair<const char*, const char*> expected[] = {
        {"101", "10.0.0.153"},        {"102", "10.0.0.12"},     {"103", "10.0.0.10"},
        {"1001", "10.0.0.111"},       {"1002", "10.0.0.102"},   {"granite-embedding", "10.0.0.141"},
        {"granite-3b", "10.0.0.142"}, {"ollama", "10.0.0.155"}, {"llamacpp", "10.0.0.157"},
    };
    for (const auto& [ref, address] : expected) {
        const auto h = inv.find(ref);
        REQUIRE_MESSAGE(h, ref);
        CHECK(inv.hosts[*h].address.to_string() == address);
    }
    REQUIRE(rules->file_rows().size() == 16); // 6 global rows, 10 guest rows
    const Row& first = rules->file_rows().front();
    CHECK_FALSE(first.scope);
    REQUIRE_FALSE(first.written_destination().empty());
    CHECK(first.written_destination()[0].host == inv.find("nginx"));
    CHECK(first.flow.ports.ranges.at(0) == PortRange{80, 80});
    CHECK(first.comment == "Allow HTTP for ACME challenges to Nginx");
    CHECK(rules->file_rows()[6].comment == "Allow Nginx to proxy to Traefik");
    CHECK(rules->file_rows()[6].scope == inv.find("101"));
}

TEST_CASE("load: a host is the same whether named, numbered or addressed") {
    const auto loaded =
        load_rows(row("destination = \"traefik\"") + row("destination = 102") +
                  row("destination = \"10.0.0.12\"") + row("destination = \"10.0.0.12/32\""));
    REQUIRE(loaded.rules);
    CHECK(loaded.messages.empty());
    for (const auto& r : loaded.rules->file_rows()) {
        REQUIRE(r.written_destination().size() == 1);
        CHECK(r.written_destination()[0].host == HostIndex{2});
        CHECK(r.written_destination()[0].cidr == Cidr::host(*IpAddress::parse("10.0.0.12")));
    }
}

TEST_CASE("load: keywords may be written in any case, and omitted keys default to any") {
    const auto loaded =
        load_rows("\n[[rule]]\nscope = \"NGINX\"\ndirection = \"OUT\"\naction = \"Accept\"\n"
                  "comment = \"everything nginx sends\"\n");
    CHECK(loaded.messages ==
          "rules.toml:26:9: error: unknown scope 'NGINX' (did you mean 'nginx'?); a scope is "
          "\"global\" or a host's name, id or address\n");
    const auto ok =
        load_rows("\n[[rule]]\nscope = \"Global\"\ndirection = \"OUT\"\naction = \"Accept\"\n"
                  "comment = \"everything the hypervisor sends\"\n");
    REQUIRE(ok.rules);
    const Row& r = ok.rules->file_rows()[0];
    CHECK(r.direction == Direction::out);
    CHECK(r.action == Action::accept);
    CHECK(r.written_source().empty());
    CHECK(r.flow.protocol == Protocol::any);
    CHECK(r.flow.ports.any());
}

TEST_CASE("load: unknown keys and names are errors with a suggestion") {
    CHECK(load_rows(row("portz = 80")).messages ==
          "rules.toml:29:1: error: unknown key 'portz' in [[rule]] #1 (did you mean 'ports'?)\n");
    CHECK(load_rows(row("destination = \"ngnix\"")).messages ==
          "rules.toml:29:15: error: unknown host 'ngnix' (did you mean 'nginx'?)\n");
    CHECK(load_rows(row("destination = 105")).messages ==
          "rules.toml:29:15: error: unknown host '105' (did you mean '101'?)\n");
    CHECK(load_rows("\n[[rule]]\nscope = \"traefk\"\ndirection = \"out\"\naction = "
                    "\"accept\"\ncomment = \"c\"\n")
              .messages ==
          "rules.toml:26:9: error: unknown scope 'traefk' (did you mean 'traefik'?); a scope is "
          "\"global\" or a host's name, id or address\n");
}

TEST_CASE("load: keyword values must be one of the words the key takes") {
    CHECK(load_rows("\n[[rule]]\nscope = \"global\"\ndirection = \"inn\"\naction = "
                    "\"accept\"\ncomment = \"c\"\n")
              .messages == "rules.toml:27:13: error: direction must be \"in\" or \"out\", not "
                           "'inn' (did you mean 'in'?)\n");
    CHECK(load_rows("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                    "\"allow\"\ncomment = \"c\"\n")
              .messages == "rules.toml:28:10: error: action must be \"accept\", \"drop\" or "
                           "\"reject\", not 'allow'\n");
    CHECK(load_rows(row("protocol = \"tpc\"")).messages ==
          "rules.toml:29:12: error: protocol must be \"tcp\", \"udp\", \"icmp\", \"icmpv6\" or "
          "\"any\", not 'tpc' "
          "(did you mean 'tcp'?)\n");
}

TEST_CASE("load: ports are checked one by one and need tcp or udp") {
    CHECK(load_rows(row("protocol = \"tcp\"\nports = [80, 70000, \"90-80\"]")).messages ==
          "rules.toml:30:14: error: '70000' is not a port or port range (e.g. 80 or 8000-8100)\n"
          "rules.toml:30:21: error: '90-80' is not a port or port range (e.g. 80 or 8000-8100)\n");
    CHECK(load_rows(row("protocol = \"icmp\"\nports = 80")).messages ==
          "rules.toml:30:9: error: ports need protocol \"tcp\" or \"udp\", not \"icmp\"\n");
    CHECK(load_rows(row("ports = true")).messages ==
          "rules.toml:29:9: error: 'ports' in [[rule]] #1 must be a string or a number\n");
}

TEST_CASE("load: addresses must be valid, of one family, and 'any' stands alone") {
    CHECK(load_rows(row("source = [\"10.0.0.300\", \"any\"]")).messages ==
          "rules.toml:29:11: error: '10.0.0.300' is not a valid IP address or CIDR\n"
          "rules.toml:29:25: error: 'any' cannot be combined with other addresses\n");
    CHECK(load_rows(row("source = \"fd00::1\"\ndestination = \"nginx\"")).messages ==
          "rules.toml:30:15: error: 'nginx' is IPv4 but 'fd00::1' in the same row is IPv6; write "
          "one row per "
          "address family\n");
    CHECK(load_rows(row("source = \"0.0.0.0/0\"")).messages ==
          "rules.toml:29:10: error: '0.0.0.0/0' is every address of its family; write \"any\"\n");
    CHECK(load_rows(row("source = []")).messages ==
          "rules.toml:29:10: error: 'source' in [[rule]] #1 is an empty list\n");
    CHECK(load_rows(row("destination = \"fd00::1\"\nprotocol = \"icmp\"")).messages ==
          "rules.toml:30:12: error: protocol icmp is ICMP for IPv4; use icmpv6 with IPv6 "
          "addresses\n");
}

TEST_CASE("load: every row needs a comment nft can print back") {
    CHECK(load_rows("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"drop\"\n")
              .messages == "rules.toml:25:1: error: [[rule]] #1 needs 'comment'\n");
    CHECK(
        load_rows(
            "\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"drop\"\ncomment = \"" +
            std::string(129, 'x') + "\"\n")
            .messages ==
        "rules.toml:29:11: error: comment is 129 bytes long; nftables keeps at most 128\n");
    CHECK(load_rows("\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = "
                    "\"drop\"\ncomment = 'say \"hi\"'\n")
              .messages == "rules.toml:29:11: error: comment must not contain '\"' or control "
                           "characters: nft could not print it back\n");
}

TEST_CASE("load: every broken row is reported, and nothing is returned") {
    const auto loaded =
        load_rows(row("destination = \"ngnix\"") + row("ports = \"http\"\nprotocol = \"tcp\""));
    CHECK_FALSE(loaded.rules);
    CHECK(loaded.messages ==
          "rules.toml:29:15: error: unknown host 'ngnix' (did you mean 'nginx'?)\n"
          "rules.toml:36:9: error: 'http' is not a port or port range (e.g. 80 or 8000-8100)\n");
}

TEST_CASE("load: the inventory must name each host once") {
    const std::string duplicate_name =
        "\n[[guest]]\nid = 104\nkind = \"lxc\"\nname = \"nginx\"\naddress = \"10.0.0.5\"\n";
    CHECK(load_rows(duplicate_name).messages ==
          "rules.toml:28:8: error: name 'nginx' is already used by the host at rules.toml:7:1\n");
    const std::string duplicate_id =
        "\n[[guest]]\nid = 101\nkind = \"vm\"\nname = \"other\"\naddress = \"10.0.0.5\"\n";
    CHECK(load_rows(duplicate_id).messages ==
          "rules.toml:26:6: error: id 101 is already used by the host at rules.toml:7:1\n");
    const std::string duplicate_address =
        "\n[[guest]]\nid = 104\nkind = \"vm\"\nname = \"other\"\naddress = \"10.0.0.13\"\n";
    CHECK(load_rows(duplicate_address).messages == "rules.toml:29:11: error: address 10.0.0.13 is "
                                                   "already used by the host at rules.toml:1:1\n");
}

TEST_CASE("load: guests need a valid id, kind, name and address") {
    const std::string guest =
        "\n[[guest]]\nid = 99\nkind = \"container\"\nname = \"Web_1\"\naddres = \"10.0.0.5\"\n";
    CHECK(load_rows(guest).messages ==
          "rules.toml:29:1: error: unknown key 'addres' in [[guest]] #4 (did you mean 'address'?)\n"
          "rules.toml:26:6: error: 'id' in [[guest]] #4 must be between 100 and 999999999, not 99\n"
          "rules.toml:27:8: error: kind must be \"lxc\" or \"vm\", not 'container'\n"
          "rules.toml:28:8: error: host name 'Web_1' must start with a letter and hold only a-z, "
          "0-9 and '-' (and "
          "not be \"any\" or \"global\")\n"
          "rules.toml:25:1: error: [[guest]] #4 needs 'address'\n");
}

TEST_CASE("load: the hypervisor table is required and its network must hold it") {
    CHECK(load_text("").messages ==
          "rules.toml: error: the rules file needs a [hypervisor] table\n");
    CHECK(load_text("[[guest]]\nid = 101\nkind = \"lxc\"\nname = \"a\"\naddress = \"10.0.0.2\"\n")
              .messages == "rules.toml: error: the rules file needs a [hypervisor] table\n");
    CHECK(load_text("[hypervisor]\naddress = \"10.0.0.13\"\nnetwork = \"10.0.1.0/24\"\nbridge = "
                    "\"vmbr0\"\n")
              .messages == "rules.toml:3:11: error: network '10.0.1.0/24' must be a prefix such as "
                           "10.0.0.0/24 that holds the "
                           "hypervisor's address 10.0.0.13\n");
    CHECK(
        load_text(
            "[hypervisor]\naddress = \"10.0.0.13\"\nnetwork = \"10.0.0.0/24\"\nbridge = \"a/b\"\n")
            .messages == "rules.toml:4:10: error: 'a/b' is not an interface name\n");
}

TEST_CASE("load: a TOML syntax error is reported at its position") {
    const auto loaded = load_text("[hypervisor]\naddress = \"10.0.0.13\nnetwork = 1\n");
    CHECK_FALSE(loaded.rules);
    CHECK(loaded.messages.rfind("rules.toml:2:", 0) == 0);
    CHECK(loaded.messages.find(": error: ") != std::string::npos);
}

TEST_CASE("load: the spec's file and the golden cases are read by the fast reader") {
    for (const char* file : {"/rules/phoenix.toml", "/tests/golden/mixed.toml",
                             "/tests/golden/scopes.toml", "/tests/golden/sets.toml"}) {
        INFO(file);
        std::ifstream in{std::string{PHX_SOURCE_DIR} + file};
        const std::string text{std::istreambuf_iterator<char>{in}, {}};
        const auto read = config::Document::read_plain(text);
        REQUIRE(read);
        CHECK(*read == config::Document::from_toml(toml::parse(text)));
    }
}

TEST_CASE("load: a file toml++ reads instead (CRLF line ends) gives the same rows and positions") {
    const std::string rows =
        "\n[[rule]]\nscope = \"global\"\ndirection = \"in\"\naction = \"accept\"\n"
        "destination = [\"nginx\", \"10.0.0.0/28\"]\nprotocol = \"tcp\"\n"
        "ports = 443\ncomment = \"web\"\n";
    std::string crlf;
    for (const char c : fw::test::kInventory + rows)
        crlf += c == '\n' ? std::string{"\r\n"} : std::string{c};
    const auto lf = load_rows(rows);
    const auto windows = load_text(crlf);
    REQUIRE(lf.rules);
    REQUIRE(windows.rules);
    REQUIRE(windows.rules->file_rows().size() == 1);
    const Row& a = lf.rules->file_rows()[0];
    const Row& b = windows.rules->file_rows()[0];
    CHECK(a.at.line == b.at.line);
    REQUIRE(b.flow.ports.at.size() == 1);
    CHECK(a.flow.ports.at[0].line == b.flow.ports.at[0].line);
    CHECK(a.flow.ports.at[0].column == b.flow.ports.at[0].column);
    CHECK(a.scope_at.line == b.scope_at.line);
    CHECK(a.scope_at.column == b.scope_at.column);
    REQUIRE(b.written_destination().size() == 2);
    CHECK(a.written_destination()[1].at.column == b.written_destination()[1].at.column);
    CHECK(b.written_destination()[1].text == "10.0.0.0/28");
    CHECK(b.comment == "web");
}

TEST_CASE("load: a guest outside the network, or on another guest's port, is an error") {
    CHECK(
        load_rows("\n[[guest]]\nid = 200\nkind = \"vm\"\nname = \"far\"\naddress = \"10.9.0.1\"\n")
            .messages ==
        "rules.toml:29:11: error: guest address 10.9.0.1 is outside the network (10.0.0.0/24) of "
        "[hypervisor] at rules.toml:1:1\n");
    CHECK(load_rows("\n[[guest]]\nid = 200\nkind = \"vm\"\nname = \"twin\"\naddress = "
                    "\"10.0.0.200\"\nport = \"veth101i0\"\n")
              .messages ==
          "rules.toml:30:8: error: port 'veth101i0' is already the port of the guest at "
          "rules.toml:7:1\n");
    CHECK(
        load_rows("\n[[guest]]\nid = 200\nkind = \"vm\"\nname = \"hv\"\naddress = \"10.0.0.13\"\n")
            .messages == "rules.toml:29:11: error: address 10.0.0.13 is already used by the host "
                         "at rules.toml:1:1\n");
    CHECK(load_rows("\n[[guest]]\nid = 200\nkind = \"vm\"\nname = \"m\"\naddress = \"10.0.0.200\"\n"
                    "mac = \"bc:24:11\"\n")
              .messages == "rules.toml:30:7: error: 'bc:24:11' is not a MAC address (e.g. "
                           "bc:24:11:5e:0a:01)\n");
}

TEST_CASE("load: ports default to Proxmox's names, bridges and networks may be lists") {
    std::string text = fw::test::kInventory;
    text.replace(text.find("network = \"10.0.0.0/24\""), 23,
                 "network = [\"10.0.0.0/24\", \"fd00::/64\"]");
    text.replace(text.find("bridge = \"vmbr0\""), 16, "bridge = [\"vmbr0\", \"vmbr1\"]");
    text += "\n[[guest]]\nid = 300\nkind = \"lxc\"\nname = \"six\"\naddress = \"fd00::6\"\nport = "
            "\"eth-six\"\nmac = \"BC:24:11:00:00:06\"\n";
    const auto loaded = fw::test::load_text(text);
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    const Inventory& inv = loaded.rules->inventory;
    CHECK(inv.bridges == std::vector<std::string>{"vmbr0", "vmbr1"});
    REQUIRE(inv.networks.size() == 2);
    CHECK(inv.hosts[*inv.find("nginx")].port == "veth101i0");
    CHECK(inv.hosts[*inv.find("portainer")].port == "tap1001i0");
    const Host& six = inv.hosts[*inv.find("six")];
    CHECK(six.port == "eth-six");
    REQUIRE(six.mac);
    CHECK(to_string(*six.mac) == "bc:24:11:00:00:06");
    CHECK(inv.bridge_list() == "vmbr0, vmbr1");
}

TEST_CASE("load: [management] opens SSH, the web UI and the consoles to the LAN by default") {
    const auto loaded = load_rows("");
    REQUIRE(loaded.rules);
    const RuleSet& rules = *loaded.rules;
    REQUIRE(rules.management_rows == 3);
    CHECK(rules.rows[0].origin == RowOrigin::management);
    CHECK(rules.rows[0].comment == "management: SSH from the management network");
    CHECK(rules.rows[1].flow.ports.ranges.at(0) == PortRange{8006, 8006});
    CHECK(rules.rows[2].flow.ports.ranges.size() == 2); // 5900-5999 and 3128
    CHECK(row_source(rules.rows[0]) == "[management] defaults");
    // The LAN is the network without the guests: nginx is left out, a LAN client is in.
    const Flow& ssh = *rules.rows[0].effective();
    CHECK_FALSE(fw::contains(ssh.source, *IpAddress::parse("10.0.0.153")));
    CHECK(fw::contains(ssh.source, *IpAddress::parse("10.0.0.50")));
    CHECK(fw::contains(ssh.destination, *IpAddress::parse("10.0.0.13")));
}

TEST_CASE("load: [management] can be narrowed, extended for a cluster, or turned off") {
    const auto narrowed =
        fw::test::load_text(fw::test::kInventory + "\n[management]\nsources = [\"10.0.0.0/28\"]\n"
                                                   "services = [\"ssh\"]\ncluster = true\n");
    REQUIRE_MESSAGE(narrowed.rules, narrowed.messages);
    const RuleSet& rules = *narrowed.rules;
    REQUIRE(rules.management_rows == 3); // ssh, corosync, migration
    CHECK(rules.rows[0].comment == "management: SSH from the [management] sources");
    CHECK(rules.rows[1].flow.protocol == Protocol::udp);
    CHECK(rules.rows[1].flow.ports.ranges.at(0) == PortRange{5405, 5412});
    CHECK(rules.rows[2].flow.ports.ranges.at(0) == PortRange{60000, 60050});
    CHECK(row_source(rules.rows[0]).ends_with(":25 [management]"));
    const auto off =
        fw::test::load_text(fw::test::kInventory + "\n[management]\nenabled = false\n");
    REQUIRE(off.rules);
    CHECK(off.rules->management_rows == 0);
    CHECK(
        fw::test::load_text(fw::test::kInventory +
                            "\n[management]\nservices = [\"ssh\", \"telnet\"]\nsources = \"any\"\n"
                            "cluter = true\n")
            .messages ==
        "rules.toml:28:1: error: unknown key 'cluter' in [management] (did you mean 'cluster'?)\n"
        "rules.toml:27:11: error: sources = \"any\" would open the hypervisor's management "
        "services "
        "to everyone; list the networks\n"
        "rules.toml:26:20: error: service 'telnet' is not \"ssh\", \"web\" or \"console\" (the "
        "cluster's are `cluster = true`)\n");
}

TEST_CASE("load: [logging] sets the NFLOG group, rate and burst, or turns logging off") {
    const auto loaded = fw::test::load_text(
        fw::test::kInventory + "\n[logging]\ngroup = 7\nrate = 3\nburst = 9\ndrops = false\n");
    REQUIRE_MESSAGE(loaded.rules, loaded.messages);
    CHECK(loaded.rules->logging.group == 7);
    CHECK(loaded.rules->logging.per_second == 3);
    CHECK(loaded.rules->logging.burst == 9);
    CHECK_FALSE(loaded.rules->logging.drops);
    CHECK(fw::test::load_text(fw::test::kInventory + "\n[logging]\ngroup = 70000\n").messages ==
          "rules.toml:26:9: error: 'group' in [logging] must be between 0 and 65535, not 70000\n");
}

TEST_CASE("load_heap_bytes: nothing for a hand-written file, then 2.75 times the file and 4 MiB, "
          "512 MiB at most") {
    constexpr std::size_t kMiB = 1024 * 1024;
    CHECK(load_heap_bytes(0) == 0);
    CHECK(load_heap_bytes(6'109) == 0); // rules/phoenix.toml
    CHECK(load_heap_bytes(64 * 1024 - 1) == 0);
    CHECK(load_heap_bytes(64 * 1024) == 4 * kMiB + 176 * 1024);
    CHECK(load_heap_bytes(1'682'758) == 4 * kMiB + 4'627'584);  // mixed 10,000 rows: 7.2 MB used
    CHECK(load_heap_bytes(9'004'433) == 4 * kMiB + 24'762'190); // 50,000 rows: 18.7 MB used
    CHECK(load_heap_bytes(std::uintmax_t{200} * 1000 * 1000) == 512 * kMiB);
    CHECK(load_heap_bytes(UINTMAX_MAX / 4) == 512 * kMiB); // 2.75 times it would wrap around
}

TEST_CASE("load_heap_prefault_bytes: 1.5 times the file and 1 MiB of the reservation, no more") {
    constexpr std::size_t kMiB = 1024 * 1024;
    CHECK(load_heap_prefault_bytes(6'109) == 0); // nothing reserved
    CHECK(load_heap_prefault_bytes(64 * 1024) == kMiB + 96 * 1024);
    CHECK(load_heap_prefault_bytes(1'799'508) == kMiB + 2'699'262); // project 10,000 rows
    CHECK(load_heap_prefault_bytes(9'004'433) == kMiB + 13'506'649);
    CHECK(load_heap_prefault_bytes(std::uintmax_t{400} * 1000 * 1000) == 512 * kMiB);
    CHECK(load_heap_prefault_bytes(UINTMAX_MAX) == 512 * kMiB);
    for (const std::uintmax_t bytes : {std::uintmax_t{100'000}, std::uintmax_t{5'000'000}})
        CHECK(load_heap_prefault_bytes(bytes) < load_heap_bytes(bytes));
}

TEST_CASE("load: rows' comments outlive the file's text and belong to every copy of the rules") {
    // Comments are views into the rule set's shared text (RuleSet::texts),
    // not into the document, which is gone once load_rules returns.
    std::optional<RuleSet> copy;
    {
        const auto loaded = load_rows(row("destination = \"nginx\"") + row("source = \"traefik\""));
        REQUIRE(loaded.rules);
        copy = *loaded.rules;
    }
    REQUIRE(copy->file_rows().size() == 2);
    for (const Row& r : copy->file_rows()) CHECK(r.comment == "a row");
    CHECK(copy->rows.front().comment == "management: SSH from the management network");
}

namespace {

// Row i of a large file: a port, a comment and a scope of its own, so a row
// loaded into another's place, or not at all, shows.
std::string numbered_row(int i, const std::string& extra = "") {
    return fmt::format("\n[[rule]]\nscope = \"{}\"\ndirection = \"in\"\naction = \"accept\"\n"
                       "protocol = \"tcp\"\nports = {}\ncomment = \"row {}\"\n{}",
                       i % 2 == 0 ? "global" : "nginx", 1000 + i, i, extra);
}
constexpr int kLinesPerRow = 8;   // numbered_row's, with no extra line
constexpr int kManyRows = 24'000; // enough for a second thread (load/rows.cpp)

} // namespace

TEST_CASE(
    "load: a large file's rows, loaded by two threads, each in its place, in the file's order") {
    std::string text;
    for (int i = 0; i < kManyRows; ++i) text += numbered_row(i);
    const auto loaded = load_rows(text);
    REQUIRE(loaded.rules);
    CHECK(loaded.messages.empty());
    const auto rows = loaded.rules->file_rows();
    REQUIRE(rows.size() == kManyRows);
    const auto nginx = loaded.rules->inventory.find("nginx");
    int wrong = 0;
    for (int i = 0; i < kManyRows; ++i) {
        const Row& row = rows[static_cast<std::size_t>(i)];
        const bool right =
            row.at.line ==
                static_cast<std::uint32_t>(fw::test::kFirstRowLine + 1 + i * kLinesPerRow) &&
            row.flow.ports.ranges.size() == 1 && row.flow.ports.ranges[0].first == 1000 + i &&
            row.comment == fmt::format("row {}", i) &&
            row.scope == (i % 2 == 0 ? std::nullopt : nginx) && row.effective() &&
            // a scoped row's flow is pinned to its host once loaded
            (i % 2 == 0 || row.effective()->destination.items.at(0).host == nginx);
        if (!right && ++wrong <= 3) MESSAGE("row " << i << " is not as written");
    }
    CHECK(wrong == 0);
}

TEST_CASE("load: a large file's rows are mapped ahead, by the second thread, with room for "
          "[management]'s") {
    // The thread starts before the file is read (load/rows.cpp, RowsAhead)
    // and maps memory for the rows it is told of; the loader takes that
    // memory, so the rows have the room it made: the file's and 16 more.
    std::string text;
    for (int i = 0; i < kManyRows; ++i) text += numbered_row(i);
    REQUIRE(text.size() >= std::size_t{20'000} * fw::detail::kFewestBytesPerRow);
    const auto loaded = load_rows(text);
    REQUIRE(loaded.rules);
    CHECK(loaded.rules->file_rows().size() == kManyRows);
    CHECK(loaded.rules->rows.capacity() == kManyRows + fw::detail::kManagementRowsRoom);
    CHECK(loaded.rules->file_rows().back().comment == fmt::format("row {}", kManyRows - 1));
}

TEST_CASE(
    "load: a large file of few rows is loaded by one thread, and the one started ahead ends") {
    // 3 MB, as large as 25,000 short rows, but 5,000 rows: too few for two.
    constexpr int kRows = 5'000;
    const std::string remark = "# " + std::string(480, 'x') + "\n";
    std::string text;
    for (int i = 0; i < kRows; ++i) text += numbered_row(i, remark);
    REQUIRE(text.size() >= std::size_t{20'000} * fw::detail::kFewestBytesPerRow);
    const auto loaded = load_rows(text);
    REQUIRE(loaded.rules);
    const auto rows = loaded.rules->file_rows();
    REQUIRE(rows.size() == kRows);
    CHECK(rows[kRows - 1].comment == fmt::format("row {}", kRows - 1));
    // Reserved by the loader for the rows it knows of, not mapped ahead.
    CHECK(loaded.rules->rows.capacity() == loaded.rules->management_rows + kRows);
}

TEST_CASE("load: a large file whose inventory is wrong fails, and the thread started ahead ends") {
    // The rows are never loaded: the loader stops after the inventory, and
    // the thread, told of the rows and waiting to load them, is let go.
    std::string text = "\n[[guest]]\nid = 102\nkind = \"lxc\"\nname = \"twin\"\n"
                       "address = \"10.0.0.99\"\n";
    for (int i = 0; i < kManyRows; ++i) text += numbered_row(i);
    const auto loaded = load_rows(text);
    CHECK_FALSE(loaded.rules);
    CHECK(loaded.messages.find("102") != std::string::npos);
}

TEST_CASE("load: errors anywhere in a large file are all reported, in the file's order") {
    // The first and last rows, the two around the middle, and some in each
    // of the last chunks, which the second thread loads first.
    std::vector<bool> bad(kManyRows);
    for (const int i : {0, 7, kManyRows / 2 - 1, kManyRows / 2, kManyRows - 800, kManyRows - 500,
                        kManyRows - 200, kManyRows - 2, kManyRows - 1})
        bad[static_cast<std::size_t>(i)] = true;
    std::string text;
    std::string expected;
    int line = fw::test::kFirstRowLine + 1;
    for (int i = 0; i < kManyRows; ++i) {
        const bool is_bad = bad[static_cast<std::size_t>(i)];
        text += numbered_row(i, is_bad ? "source = \"nowhere\"\n" : "");
        if (is_bad)
            expected += fmt::format("rules.toml:{}:10: error: unknown host 'nowhere'\n", line + 7);
        line += kLinesPerRow + (is_bad ? 1 : 0);
    }
    const auto loaded = load_rows(text);
    CHECK_FALSE(loaded.rules);
    CHECK(loaded.messages == expected);
}

// The [[rule]] tables are read in pieces as their rows are loaded
// (Document::load_split); a piece the fast reader declines sends the whole
// file through the reader that takes any TOML, as before there were pieces.
TEST_CASE("load: a piece of the rows that only toml++ reads (UTF-8) sends the file to toml++") {
    constexpr int kRows = 1'000; // four pieces
    std::string text;
    for (int i = 0; i < kRows; ++i)
        text += numbered_row(i, i == 600 ? "# caf\xc3\xa9: toml++ checks UTF-8\n" : "");
    const auto loaded = load_rows(text);
    REQUIRE(loaded.rules);
    CHECK(loaded.messages.empty());
    const auto rows = loaded.rules->file_rows();
    REQUIRE(rows.size() == kRows);
    for (const int i : {0, 599, 600, 601, kRows - 1}) {
        INFO("row " << i);
        const Row& row = rows[static_cast<std::size_t>(i)];
        CHECK(row.comment == fmt::format("row {}", i));
        CHECK(row.at.line == static_cast<std::uint32_t>(fw::test::kFirstRowLine + 1 +
                                                        i * kLinesPerRow + (i > 600 ? 1 : 0)));
    }
}

TEST_CASE("load: a syntax error in a later piece of the rows is toml++'s, at its position") {
    std::string text;
    for (int i = 0; i < 700; ++i) text += numbered_row(i, i == 650 ? "ports = [80,,81]\n" : "");
    const auto loaded = load_rows(text);
    CHECK_FALSE(loaded.rules);
    const int line = fw::test::kFirstRowLine + 1 + 650 * kLinesPerRow + 7;
    CHECK(loaded.messages.rfind(fmt::format("rules.toml:{}:", line), 0) == 0);
    CHECK(loaded.messages.find("error") != std::string::npos);
    CHECK(std::count(loaded.messages.begin(), loaded.messages.end(), '\n') == 1);
}

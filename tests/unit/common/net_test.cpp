// SPDX-License-Identifier: GPL-3.0-or-later
// Address, prefix, endpoint and port-range parsing.
#include "common/net.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace phx;

TEST_CASE("IpAddress: parses IPv4 and IPv6 and rejects junk") {
    auto a = IpAddress::parse("10.0.0.153");
    REQUIRE(a);
    CHECK(a->family == IpFamily::v4);
    CHECK(a->to_string() == "10.0.0.153");
    auto b = IpAddress::parse("2001:db8::1");
    REQUIRE(b);
    CHECK(b->family == IpFamily::v6);
    CHECK(b->to_string() == "2001:db8::1");
    CHECK_FALSE(IpAddress::parse("10.0.0.256"));
    CHECK_FALSE(IpAddress::parse("10.0.0"));
    CHECK_FALSE(IpAddress::parse(""));
    CHECK_FALSE(IpAddress::parse("nginx"));
    CHECK(IpAddress::parse("127.0.0.2")->is_loopback());
    CHECK(IpAddress::parse("::1")->is_loopback());
    CHECK(IpAddress::parse("0.0.0.0")->is_unspecified());
}

TEST_CASE("Cidr: containment and overlap respect the prefix") {
    auto net = Cidr::parse("10.0.0.0/24");
    REQUIRE(net);
    CHECK(net->contains(*IpAddress::parse("10.0.0.13")));
    CHECK_FALSE(net->contains(*IpAddress::parse("10.0.1.13")));
    CHECK_FALSE(net->contains(*IpAddress::parse("::1")));
    CHECK(net->contains(*Cidr::parse("10.0.0.128/25")));
    CHECK_FALSE(Cidr::parse("10.0.0.128/25")->contains(*net));
    CHECK(net->overlaps(*Cidr::parse("10.0.0.0/16")));
    CHECK_FALSE(net->overlaps(*Cidr::parse("10.0.1.0/24")));
    CHECK(Cidr::parse("10.0.0.153")->is_host());
    CHECK(Cidr::parse("10.0.0.153")->to_string() == "10.0.0.153");
    CHECK(Cidr::parse("10.0.0.1/24")->host_bits_set());
    CHECK(Cidr::parse("10.0.0.1/24")->network().to_string() == "10.0.0.0");
    CHECK(Cidr::parse("10.0.0.1/24")->broadcast().to_string() == "10.0.0.255");
    CHECK_FALSE(Cidr::parse("10.0.0.0/33"));
    CHECK_FALSE(Cidr::parse("10.0.0.0/"));
    CHECK(Cidr::parse("::/0")->contains(*IpAddress::parse("2001:db8::5")));
}

TEST_CASE("Endpoint: IPv4 with port, IPv6 only in brackets") {
    auto e = Endpoint::parse("127.0.0.1:5353");
    REQUIRE(e);
    CHECK(e->port == 5353);
    CHECK(e->to_string() == "127.0.0.1:5353");
    auto v6 = Endpoint::parse("[::1]:53");
    REQUIRE(v6);
    CHECK(v6->address.family == IpFamily::v6);
    CHECK(v6->to_string() == "[::1]:53");
    CHECK_FALSE(Endpoint::parse("::1:53"));
    CHECK_FALSE(Endpoint::parse("127.0.0.1"));
    CHECK_FALSE(Endpoint::parse("127.0.0.1:65536"));
    CHECK_FALSE(Endpoint::parse("127.0.0.1:x"));
}

TEST_CASE("PortRange: single ports and ranges") {
    CHECK(PortRange::parse("53")->single());
    auto r = PortRange::parse("8000-8100");
    REQUIRE(r);
    CHECK(r->contains(8050));
    CHECK_FALSE(r->contains(8101));
    CHECK(r->to_string() == "8000-8100");
    CHECK_FALSE(PortRange::parse("9-8"));
    CHECK_FALSE(PortRange::parse("70000"));
    CHECK_FALSE(PortRange::parse("-5"));
}

TEST_CASE("subtract: a network minus some addresses, as the fewest prefixes in order") {
    const auto text = [](const std::vector<Cidr>& cidrs) {
        std::string out;
        for (const auto& c : cidrs) {
            if (!out.empty()) out.push_back(' ');
            out.append(c.to_string());
        }
        return out;
    };
    const Cidr lan = *Cidr::parse("10.0.0.0/29");
    CHECK(text(subtract(lan, {})) == "10.0.0.0/29");
    CHECK(text(subtract(lan, {*IpAddress::parse("10.0.0.5")})) ==
          "10.0.0.0/30 10.0.0.4 10.0.0.6/31");
    CHECK(text(subtract(lan, {*IpAddress::parse("10.0.0.0"), *IpAddress::parse("10.0.0.7"),
                              *IpAddress::parse("192.168.1.1")})) ==
          "10.0.0.1 10.0.0.2/31 10.0.0.4/31 10.0.0.6");
    CHECK(text(subtract(*Cidr::parse("10.0.0.9/32"), {*IpAddress::parse("10.0.0.9")})).empty());
    const auto v6 = subtract(*Cidr::parse("fd00::/64"), {*IpAddress::parse("fd00::10")});
    CHECK(v6.size() == 64);
    CHECK(v6.front().to_string() == "fd00::/124");
    CHECK(v6.back().to_string() == "fd00::8000:0:0:0/65");
}

TEST_CASE("subtract: thousands of addresses in any order leave exactly the rest, in order") {
    std::vector<IpAddress> excluded;
    for (unsigned i = 0; i < 2500; ++i) // scattered over the /16, last ones first
        excluded.push_back(IpAddress::v4(10, 0, static_cast<std::uint8_t>((2499 - i) * 7 % 256),
                                         static_cast<std::uint8_t>((2499 - i) / 256 * 13 + 1)));
    excluded.push_back(excluded.front()); // a repeat changes nothing
    const Cidr network = *Cidr::parse("10.0.0.0/16");
    const auto rest = subtract(network, excluded);
    std::uint64_t addresses = 0;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        addresses += std::uint64_t{1} << (32 - rest[i].prefix);
        CHECK(std::none_of(excluded.begin(), excluded.end(),
                           [&](const IpAddress& a) { return rest[i].contains(a); }));
        if (i > 0) CHECK(rest[i - 1].broadcast() < rest[i].network());
    }
    CHECK(addresses == 65536 - 2500);
}

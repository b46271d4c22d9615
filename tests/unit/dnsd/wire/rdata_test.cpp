// SPDX-License-Identifier: GPL-3.0-or-later
// Names inside rdata: expanded on read, compressed on write only where
// RFC 3597 allows it.
#include "dnsd/wire/name.hpp"
#include "dnsd/wire/rdata.hpp"

#include <array>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace phx::dns;
using namespace phx::dns::wire;

namespace {

std::vector<std::uint8_t> bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

} // namespace

TEST_CASE("read_rdata expands a compressed MX exchange and checks the rdlength") {
    // "example." at 0; MX rdata at 9: preference 10 + "mail" + pointer to 0.
    const auto msg = bytes(std::string("\7example\0", 9) + std::string("\0\12\4mail\xc0\0", 9));
    WireReader r{msg, 9};
    std::string out;
    REQUIRE(read_rdata(r, RrType::mx, 9, out));
    CHECK(out == std::string("\0\12\4mail\7example\0", 16));
    WireReader short_length{msg, 9};
    CHECK_FALSE(read_rdata(short_length, RrType::mx, 8, out)); // the name overruns the rdata
    WireReader long_length{msg, 9};
    CHECK_FALSE(read_rdata(long_length, RrType::mx, 10, out));
}

TEST_CASE("read_rdata copies unknown types untouched, pointer-like bytes included") {
    const auto msg = bytes(std::string("\xc0\0\1\2", 4));
    WireReader r{msg};
    std::string out;
    REQUIRE(read_rdata(r, RrType{65280}, 4, out));
    CHECK(out == std::string("\xc0\0\1\2", 4));
}

TEST_CASE("write_rdata compresses NS but never SRV targets") {
    std::array<std::uint8_t, 128> buffer{};
    WireWriter w{buffer};
    for (int i = 0; i < 6; ++i) w.u16(0); // a header: names never start at offset 0
    w.name(Name::from_text("example")->wire());
    const std::size_t ns_at = w.pos();
    const auto ns = Name::from_text("ns.example");
    write_rdata(w, RrType::ns, ns->wire());
    CHECK(w.pos() - ns_at == 5); // "ns" + pointer
    const std::size_t srv_at = w.pos();
    std::string srv("\0\0\0\5\23\304", 6);
    srv += std::string{Name::from_text("sip.example")->view()};
    write_rdata(w, RrType::srv, bytes_of(srv));
    CHECK(w.pos() - srv_at == srv.size()); // RFC 2782: no compression
}

// SPDX-License-Identifier: GPL-3.0-or-later
// IpAddress <-> Boost.Asio addresses, for the code that talks to sockets
// through Asio: the transports (dnsd/net) and the upstream exchanges
// (dnsd/resolver). Header-only, so neither depends on the other for it.
#pragma once

#include "common/net.hpp"

#include <algorithm>
#include <boost/asio/ip/address.hpp>

namespace phx::dns {

[[nodiscard]] inline boost::asio::ip::address to_asio(const IpAddress& a) {
    if (a.family == IpFamily::v4) {
        boost::asio::ip::address_v4::bytes_type b{};
        std::copy_n(a.bytes.begin(), b.size(), b.begin());
        return boost::asio::ip::address_v4{b};
    }
    boost::asio::ip::address_v6::bytes_type b{};
    std::copy_n(a.bytes.begin(), b.size(), b.begin());
    return boost::asio::ip::address_v6{b};
}

[[nodiscard]] inline IpAddress from_asio(const boost::asio::ip::address& address) {
    IpAddress a;
    if (address.is_v4()) {
        const auto b = address.to_v4().to_bytes();
        std::copy(b.begin(), b.end(), a.bytes.begin());
    } else {
        a.family = IpFamily::v6;
        const auto b = address.to_v6().to_bytes();
        std::copy(b.begin(), b.end(), a.bytes.begin());
    }
    return a;
}

} // namespace phx::dns

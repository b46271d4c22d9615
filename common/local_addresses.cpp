// SPDX-License-Identifier: GPL-3.0-or-later
// getifaddrs(3) into IpAddress values, and gethostname(2); see
// local_addresses.hpp.
#include "common/local_addresses.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

namespace phx {

std::vector<IpAddress> local_addresses() {
    std::vector<IpAddress> out{*IpAddress::parse("127.0.0.1"), *IpAddress::parse("::1")};
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return out;
    for (const ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (!i->ifa_addr) continue;
        IpAddress a;
        if (i->ifa_addr->sa_family == AF_INET) {
            std::memcpy(a.bytes.data(),
                        &reinterpret_cast<const sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
        } else if (i->ifa_addr->sa_family == AF_INET6) {
            a.family = IpFamily::v6;
            std::memcpy(a.bytes.data(),
                        &reinterpret_cast<const sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
        } else {
            continue;
        }
        out.push_back(a);
    }
    freeifaddrs(list);
    return out;
}

bool is_local_address(const IpAddress& address) {
    const auto all = local_addresses();
    return std::find(all.begin(), all.end(), address) != all.end();
}

std::string local_host_name() {
    std::array<char, 256> name{}; // HOST_NAME_MAX is 64; a longer name is truncated, unterminated
    if (gethostname(name.data(), name.size() - 1) != 0) return {};
    const std::string full{name.data()};
    return full.substr(0, full.find('.'));
}

} // namespace phx

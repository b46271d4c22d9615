// SPDX-License-Identifier: GPL-3.0-or-later
// Socket creation with the options asio does not expose (SO_REUSEPORT before
// bind, IPV6_V6ONLY, packet info) done directly with the socket API.
#include "dnsd/net/socket_setup.hpp"

#include "common/fd.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <system_error>
#include <unistd.h>

namespace phx::dns::net {
namespace {

[[noreturn]] void fail(const Endpoint& endpoint, SocketKind kind, const char* what) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("cannot {} {}/{}", what, endpoint.to_string(),
                                        kind == SocketKind::udp ? "udp" : "tcp"));
}

void set_int(int fd, int level, int option, int value) {
    setsockopt(fd, level, option, &value, sizeof value);
}

int new_socket(const Endpoint& endpoint, SocketKind kind) {
    const int domain = endpoint.address.family == IpFamily::v4 ? AF_INET : AF_INET6;
    const int type =
        (kind == SocketKind::udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC;
    const int fd = ::socket(domain, type, 0);
    if (fd < 0) fail(endpoint, kind, "open a socket for");
    // [::]:53 must not also take 0.0.0.0:53, which may be listed separately.
    if (domain == AF_INET6) set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    return fd;
}

} // namespace

socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& out) noexcept {
    std::memset(&out, 0, sizeof out);
    if (endpoint.address.family == IpFamily::v4) {
        auto* sin = reinterpret_cast<sockaddr_in*>(&out);
        sin->sin_family = AF_INET;
        sin->sin_port = htons(endpoint.port);
        std::memcpy(&sin->sin_addr, endpoint.address.bytes.data(), 4);
        return sizeof(sockaddr_in);
    }
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(endpoint.port);
    std::memcpy(&sin6->sin6_addr, endpoint.address.bytes.data(), 16);
    return sizeof(sockaddr_in6);
}

IpAddress address_of(const sockaddr_storage& addr) noexcept {
    IpAddress a;
    if (addr.ss_family == AF_INET6) {
        a.family = IpFamily::v6;
        std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, 16);
    } else {
        std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, 4);
    }
    return a;
}

void ensure_port_free(const Endpoint& endpoint, SocketKind kind) {
    Fd fd{new_socket(endpoint, kind)};
    if (kind == SocketKind::tcp)
        set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1); // TIME_WAIT is not "in use"
    sockaddr_storage addr{};
    const socklen_t len = to_sockaddr(endpoint, addr);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
        fail(endpoint, kind, "listen on");
}

int open_listener(const Endpoint& endpoint, SocketKind kind) {
    Fd fd{new_socket(endpoint, kind)};
    set_int(fd.get(), SOL_SOCKET, SO_REUSEPORT, 1);
    if (kind == SocketKind::tcp) set_int(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1);
    if (kind == SocketKind::udp && endpoint.address.is_unspecified()) {
        if (endpoint.address.family == IpFamily::v4)
            set_int(fd.get(), IPPROTO_IP, IP_PKTINFO, 1);
        else
            set_int(fd.get(), IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    }
    sockaddr_storage addr{};
    const socklen_t len = to_sockaddr(endpoint, addr);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0)
        fail(endpoint, kind, "listen on");
    if (kind == SocketKind::tcp && ::listen(fd.get(), SOMAXCONN) != 0)
        fail(endpoint, kind, "listen on");
    return fd.release();
}

} // namespace phx::dns::net

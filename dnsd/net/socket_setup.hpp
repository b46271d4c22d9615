// SPDX-License-Identifier: GPL-3.0-or-later
// Opening the listening sockets. Each worker thread gets its own socket per
// address (SO_REUSEPORT), so the kernel spreads queries across workers with
// no shared queue and no lock.
#pragma once

#include "common/net.hpp"

#include <sys/socket.h>

namespace phx::dns::net {

enum class SocketKind { udp, tcp };

// The sockaddr form of an endpoint; returns its length.
socklen_t to_sockaddr(const Endpoint& endpoint, sockaddr_storage& out) noexcept;

// The address part of a sockaddr_in or sockaddr_in6.
IpAddress address_of(const sockaddr_storage& addr) noexcept;

// Throws std::system_error naming the address if the port is already held by
// anyone: SO_REUSEPORT would otherwise let two servers share it silently.
void ensure_port_free(const Endpoint& endpoint, SocketKind kind);

// A bound, non-blocking socket with SO_REUSEPORT; TCP sockets also listen.
// UDP sockets on a wildcard address ask for the destination address of each
// datagram (IP_PKTINFO), so replies leave from the address queried.
// Throws std::system_error naming the address on failure.
int open_listener(const Endpoint& endpoint, SocketKind kind);

} // namespace phx::dns::net

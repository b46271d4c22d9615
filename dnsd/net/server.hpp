// SPDX-License-Identifier: GPL-3.0-or-later
// The running server: binds every listen address for every worker, runs the
// workers, and handles SIGINT/SIGTERM (graceful stop) and SIGHUP (reload).
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/net.hpp"
#include "dnsd/net/worker.hpp"

namespace phx::dns::net {

struct ServerOptions {
    std::vector<Endpoint> listen;
    unsigned workers = 1;
    TransportLimits limits;
    ForwardConfig forward;  // forwarding is off without upstreams
};

// Produces a new zone snapshot on SIGHUP, or nullptr to keep the current
// one (it has already logged why).
using ReloadFunction = std::function<std::shared_ptr<const ZoneSet>()>;

class Server {
public:
    // Binds all sockets; throws std::system_error naming the address that failed.
    Server(const ServerOptions& options, std::shared_ptr<const ZoneSet> zones);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Runs until SIGINT or SIGTERM, then stops gracefully and returns.
    void run(const ReloadFunction& reload);

    void set_zones(const std::shared_ptr<const ZoneSet>& zones);

private:
    std::atomic<std::size_t> tcp_connections_{0};
    std::vector<std::unique_ptr<Worker>> workers_;
    // Declared after the workers so it is destroyed first: requests it still
    // holds may refer to worker state.
    std::unique_ptr<resolver::Resolver> resolver_;
};

}  // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// The running server: binds every listen address for every worker (and the
// metrics endpoint), gives up root, runs the workers, and handles signals on
// its own control thread: SIGINT/SIGTERM stop gracefully, SIGHUP reloads.
#pragma once

#include "common/net.hpp"
#include "dnsd/net/guards.hpp"
#include "dnsd/net/notifier.hpp"
#include "dnsd/net/worker.hpp"
#include "dnsd/xfr/state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace phx::dns::net {

struct ServerOptions {
    std::vector<Endpoint> listen;
    unsigned workers = 1;
    TransportLimits limits;
    ForwardConfig forward;                  // forwarding is off without upstreams
    std::optional<Endpoint> metrics_listen; // Prometheus endpoint, off if unset
    std::string user;                       // drop to this user after binding; empty: stay
    GuardConfig guard;                      // NSID, cookies, response rate limiting
};

// Produces what is served next on SIGHUP (the zones with their transfer
// state), or nullptr to keep serving the current one (it has already
// logged why).
using ReloadFunction = std::function<std::shared_ptr<const xfr::TransferState>()>;

class Server {
public:
    // Binds all sockets; throws std::system_error naming the address that failed.
    Server(const ServerOptions& options, std::shared_ptr<const xfr::TransferState> served);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Drops privileges, runs until SIGINT or SIGTERM, then stops gracefully:
    // listeners close, TCP answers in progress are written, then it returns.
    void run(const ReloadFunction& reload);

private:
    void reload(const ReloadFunction& reload_function);
    void set_served(const std::shared_ptr<const xfr::TransferState>& served);
    [[nodiscard]] std::string metrics() const;

    ServerOptions options_;
    boost::asio::io_context control_{1}; // signals, reloads, metrics: the main thread
    std::optional<boost::asio::ip::tcp::acceptor> metrics_acceptor_;
    std::shared_ptr<const ZoneSet> zones_; // the snapshot being served; control thread only
    std::shared_ptr<const xfr::TransferState> served_; // the same, with keys and journals
    Notifier notifier_{control_};
    std::uint64_t reloads_ok_ = 0;
    std::uint64_t reloads_failed_ = 0;
    TcpSlots tcp_slots_; // shared by the workers
    // Before the workers: it holds the guards they use until they stop.
    std::unique_ptr<Guards> guards_;
    std::vector<std::unique_ptr<Worker>> workers_;
    // Declared after the workers so it is destroyed first: requests it still
    // holds may refer to worker state.
    std::unique_ptr<resolver::Resolver> resolver_;
};

} // namespace phx::dns::net

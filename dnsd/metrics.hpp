// SPDX-License-Identifier: GPL-3.0-or-later
// Query counters for the Prometheus endpoint. Each counter set has exactly
// one writing thread (a worker, or the resolver), so an increment is a plain
// relaxed load and store, no locked instruction; the scraping thread only
// reads. Rendering sums the sets.
#pragma once

#include "dnsd/answer.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace phx::dns {

class Counter {
public:
    void add(std::uint64_t n = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
    }
    [[nodiscard]] std::uint64_t get() const noexcept {
        return value_.load(std::memory_order_relaxed);
    }

private:
    std::atomic<std::uint64_t> value_{0};
};

// A level (bytes in use, connections open) that one thread sets and any
// thread reads.
class Gauge {
public:
    void set(std::uint64_t v) noexcept { value_.store(v, std::memory_order_relaxed); }
    [[nodiscard]] std::uint64_t get() const noexcept {
        return value_.load(std::memory_order_relaxed);
    }

private:
    std::atomic<std::uint64_t> value_{0};
};

enum class DropReason : std::uint8_t { response, runt, oversized, send_failed, count_ };

class QueryCounters {
public:
    static constexpr std::array<RrType, 14> kTypes{
        RrType::a,   RrType::ns,   RrType::cname, RrType::soa, RrType::ptr,
        RrType::mx,  RrType::txt,  RrType::aaaa,  RrType::srv, RrType::ds,
        RrType::any, RrType::axfr, RrType::ixfr,  RrType{0}};
    static constexpr std::array<Rcode, 8> kRcodes{Rcode::noerror,  Rcode::formerr, Rcode::servfail,
                                                  Rcode::nxdomain, Rcode::notimp,  Rcode::refused,
                                                  Rcode::badvers,  Rcode{0xffff}};

    // One reply sent.
    void replied(Transport transport, RrType qtype, Rcode rcode) noexcept;
    // A datagram or message that got no reply.
    void dropped(DropReason reason) noexcept { dropped_[static_cast<std::size_t>(reason)].add(); }
    // One drain of a UDP socket: woken by readability, or by a batch window
    // under load (dnsd/net/udp_pacer.hpp).
    void udp_drain(bool by_window) noexcept { udp_drains_[by_window ? 1 : 0].add(); }
    // A worker measured which way of waiting under sustained load costs it
    // less CPU per query, and chose the window or the direct wait
    // (dnsd/net/udp_mode_judge.hpp).
    void udp_mode_verdict(bool window) noexcept { udp_verdicts_[window ? 1 : 0].add(); }

    [[nodiscard]] std::uint64_t replies(std::size_t transport, std::size_t type,
                                        std::size_t rcode) const noexcept {
        return replies_[transport][type][rcode].get();
    }
    [[nodiscard]] std::uint64_t drops(DropReason reason) const noexcept {
        return dropped_[static_cast<std::size_t>(reason)].get();
    }
    [[nodiscard]] std::uint64_t udp_drains(bool by_window) const noexcept {
        return udp_drains_[by_window ? 1 : 0].get();
    }
    [[nodiscard]] std::uint64_t udp_mode_verdicts(bool window) const noexcept {
        return udp_verdicts_[window ? 1 : 0].get();
    }

private:
    std::array<std::array<std::array<Counter, kRcodes.size()>, kTypes.size()>, 2> replies_;
    std::array<Counter, static_cast<std::size_t>(DropReason::count_)> dropped_;
    std::array<Counter, 2> udp_drains_;
    std::array<Counter, 2> udp_verdicts_;
};

// Everything else the endpoint reports, gathered when it is scraped.
struct MetricsSnapshot {
    std::span<const QueryCounters* const> counters;
    std::uint64_t tcp_connections = 0;
    std::uint64_t tcp_refused_total_full = 0;  // every slot was taken
    std::uint64_t tcp_refused_client_full = 0; // the client's share was taken
    std::uint64_t reloads_ok = 0;
    std::uint64_t reloads_failed = 0;
    std::string zone_serials; // pre-rendered gauge lines, one per zone
    std::string resolver;     // pre-rendered resolver lines, if forwarding
};

// The Prometheus text exposition format (version 0.0.4).
[[nodiscard]] std::string render_metrics(const MetricsSnapshot& snapshot);

} // namespace phx::dns

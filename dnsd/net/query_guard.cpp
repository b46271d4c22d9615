// SPDX-License-Identifier: GPL-3.0-or-later
// The per-worker guard around answer() (see query_guard.hpp).
#include "dnsd/net/query_guard.hpp"

#include "dnsd/rrl/slip.hpp"

#include <algorithm>
#include <ctime>

namespace phx::dns::net {

QueryGuard::QueryGuard(const GuardSettings& settings)
    : settings_{settings}, bucket_hasher_{settings.bucket_key} {
    cookie_context_.signer = &signer_;
}

void QueryGuard::tick() noexcept {
    // Cookies carry wall-clock seconds (RFC 9018 §4.3, so servers sharing a
    // secret agree); buckets refill on a monotonic clock, in milliseconds.
    cookie_context_.now = static_cast<std::uint32_t>(std::time(nullptr));
    const auto since_boot = std::chrono::steady_clock::now().time_since_epoch();
    now_ms_ = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(since_boot).count());
}

void QueryGuard::prepare(AnswerOptions& options, const IpAddress& client) noexcept {
    options.nsid = settings_.nsid;
    if (!settings_.cookies || !signer_.enabled()) return;
    cookie_context_.client = client;
    options.cookies = &cookie_context_;
}

bool QueryGuard::exempt(const IpAddress& client) const noexcept {
    return std::any_of(settings_.exempt.begin(), settings_.exempt.end(),
                       [&](const Cidr& c) { return c.contains(client); });
}

bool QueryGuard::admit_udp(const IpAddress& client, const AnswerResult& result,
                           std::span<std::uint8_t> reply, std::size_t& size) noexcept {
    const bool sent = rate_limit(client, result, reply, size);
    // Every cookie is judged, but one made for a reply that is dropped was
    // never issued.
    counters_.cookie(result.cookie, result.cookie_issued && sent);
    return sent;
}

bool QueryGuard::rate_limit(const IpAddress& client, const AnswerResult& result,
                            std::span<std::uint8_t> reply, std::size_t& size) noexcept {
    // A valid server cookie proves the client sees our replies at its
    // address: it is no spoofed victim, so its replies reflect nothing.
    if (!settings_.limiter || result.cookie == CookieVerdict::valid || exempt(client)) return true;
    const std::string_view zone = result.zone ? std::string_view{result.zone->origin()} : "";
    const std::uint64_t key = rrl::bucket_key(bucket_hasher_, client, settings_.prefixes,
                                              result.rcode, reply.first(size), zone);
    const rrl::Outcome outcome = settings_.limiter->account(key, now_ms_);
    if (outcome.evicted) counters_.rrl_evicted();
    switch (outcome.decision) {
    case rrl::Decision::pass:
        return true;
    case rrl::Decision::drop:
        counters_.rrl_dropped();
        return false;
    case rrl::Decision::slip:
        counters_.rrl_slipped();
        size = rrl::truncate_reply(reply, size);
        return size > 0;
    }
    return true;
}

void QueryGuard::set_cookie_secrets(std::span<const CookieSecret> secrets) {
    signer_.set_secrets(secrets);
}

} // namespace phx::dns::net

// SPDX-License-Identifier: GPL-3.0-or-later
// HMAC over OpenSSL 3's EVP_MAC, fed piece by piece: a TSIG digest is a
// message plus fields around it, and copying them together would cost a
// 64 KiB buffer per transfer message.
#pragma once

#include "dnsd/tsig/algorithm.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <span>

struct evp_mac_ctx_st;

namespace phx::dns::tsig {

struct Mac {
    std::array<std::uint8_t, kMaxMacSize> bytes{};
    std::size_t size = 0;

    [[nodiscard]] std::span<const std::uint8_t> view() const noexcept {
        return {bytes.data(), size};
    }
};

class Hmac {
public:
    // A failure inside OpenSSL (out of memory, a provider missing) makes
    // finish() return an empty MAC, which verifies nothing.
    Hmac(Algorithm algorithm, std::span<const std::uint8_t> secret);
    ~Hmac();
    Hmac(const Hmac&) = delete;
    Hmac& operator=(const Hmac&) = delete;

    void update(std::span<const std::uint8_t> bytes);
    void u16(std::uint16_t v);
    void u32(std::uint32_t v);
    void u48(std::uint64_t v); // TSIG's Time Signed
    [[nodiscard]] Mac finish();

private:
    struct Free {
        void operator()(evp_mac_ctx_st* ctx) const noexcept;
    };
    std::unique_ptr<evp_mac_ctx_st, Free> ctx_;
    bool ok_ = false;
};

// Whether two MACs are equal, in time that does not depend on where they
// differ (CRYPTO_memcmp), so a forger learns nothing from timing. Different
// sizes are unequal.
[[nodiscard]] bool same_mac(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);

} // namespace phx::dns::tsig

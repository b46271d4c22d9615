// SPDX-License-Identifier: GPL-3.0-or-later
// SipHash-2-4 through OpenSSL 3's EVP_MAC (see siphash.hpp).
#include "dnsd/cookies/siphash.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdexcept>

namespace phx::dns {

void SipHasher::Free::operator()(evp_mac_ctx_st* ctx) const noexcept {
    EVP_MAC_CTX_free(ctx);
}

SipHasher::SipHasher(const Key& key) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
    if (mac == nullptr) throw std::runtime_error{"OpenSSL provides no SIPHASH MAC"};
    ctx_.reset(EVP_MAC_CTX_new(mac));
    EVP_MAC_free(mac); // the context holds its own reference
    // SipHash-2-4 with a 64-bit result: 8 bytes (OpenSSL's default is 16,
    // SipHash-2-4-128); the 2 and 4 rounds are OpenSSL's defaults.
    std::size_t size = sizeof(Digest);
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                                 OSSL_PARAM_construct_end()};
    if (!ctx_ || EVP_MAC_init(ctx_.get(), key.data(), key.size(), params) != 1)
        throw std::runtime_error{"OpenSSL cannot key SIPHASH"};
}

bool SipHasher::hash(std::span<const std::uint8_t> message, Digest& out) noexcept {
    // A null key re-initialises the context with the key it already has.
    std::size_t written = 0;
    const bool ok = EVP_MAC_init(ctx_.get(), nullptr, 0, nullptr) == 1 &&
                    EVP_MAC_update(ctx_.get(), message.data(), message.size()) == 1 &&
                    EVP_MAC_final(ctx_.get(), out.data(), &written, out.size()) == 1 &&
                    written == out.size();
    if (!ok) out.fill(0);
    return ok;
}

std::uint64_t SipHasher::hash64(std::span<const std::uint8_t> message) noexcept {
    Digest d{};
    if (!hash(message, d)) return 0;
    std::uint64_t v = 0;
    for (std::size_t i = d.size(); i-- > 0;) v = v << 8 | d[i];
    return v;
}

} // namespace phx::dns

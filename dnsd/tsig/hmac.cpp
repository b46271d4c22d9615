// SPDX-License-Identifier: GPL-3.0-or-later
// EVP_MAC "HMAC" with the digest named by the algorithm.
#include "dnsd/tsig/hmac.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace phx::dns::tsig {

void Hmac::Free::operator()(evp_mac_ctx_st* ctx) const noexcept {
    EVP_MAC_CTX_free(ctx);
}

Hmac::Hmac(Algorithm algorithm, std::span<const std::uint8_t> secret) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
    if (mac == nullptr) return;
    ctx_.reset(EVP_MAC_CTX_new(mac));
    EVP_MAC_free(mac); // the context holds its own reference
    if (!ctx_) return;
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
                                         const_cast<char*>(openssl_digest(algorithm)), 0),
        OSSL_PARAM_construct_end()};
    ok_ = EVP_MAC_init(ctx_.get(), secret.data(), secret.size(), params) == 1;
}

Hmac::~Hmac() = default;

void Hmac::update(std::span<const std::uint8_t> bytes) {
    if (ok_ && !bytes.empty()) ok_ = EVP_MAC_update(ctx_.get(), bytes.data(), bytes.size()) == 1;
}

void Hmac::u16(std::uint16_t v) {
    const std::array<std::uint8_t, 2> b{static_cast<std::uint8_t>(v >> 8),
                                        static_cast<std::uint8_t>(v)};
    update(b);
}

void Hmac::u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
}

void Hmac::u48(std::uint64_t v) {
    u16(static_cast<std::uint16_t>(v >> 32));
    u32(static_cast<std::uint32_t>(v));
}

Mac Hmac::finish() {
    Mac mac;
    std::size_t size = 0;
    if (ok_ && EVP_MAC_final(ctx_.get(), mac.bytes.data(), &size, mac.bytes.size()) == 1)
        mac.size = size;
    ok_ = false;
    return mac;
}

bool same_mac(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
    return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace phx::dns::tsig

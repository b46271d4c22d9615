// SPDX-License-Identifier: GPL-3.0-or-later
// Keys and the base64 their secrets are written in. Decoding is OpenSSL's
// (EVP_DecodeBlock), not ours.
#include "dnsd/tsig/key.hpp"

#include <openssl/evp.h>

namespace phx::dns::tsig {

const Key* Keyring::find(std::string_view lower_wire_name) const noexcept {
    for (const auto& key : keys_)
        if (key.name.view() == lower_wire_name) return &key;
    return nullptr;
}

std::optional<std::vector<std::uint8_t>> decode_base64(std::string_view text) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!text.empty() && space(text.front())) text.remove_prefix(1);
    while (!text.empty() && space(text.back())) text.remove_suffix(1);
    if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
    std::size_t padding = 0;
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
    if (padding > 2) return std::nullopt;
    // '=' may only end the text; EVP_DecodeBlock would take one in the middle.
    if (text.substr(0, text.size() - padding).find('=') != std::string_view::npos)
        return std::nullopt;
    std::vector<std::uint8_t> out(text.size() / 4 * 3);
    const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0 || static_cast<std::size_t>(n) != out.size()) return std::nullopt;
    out.resize(out.size() - padding); // EVP_DecodeBlock counts padding as zero bytes
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<wire::Name> parse_key_name(std::string_view text) {
    if (text.empty() || text == ".") return std::nullopt;
    // Letters, digits, '-', '_' and dots: what BIND, NSD and Knot users
    // write, and never the ':' that separates fields on the command line.
    for (const char c : text) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!plain) return std::nullopt;
    }
    auto name = wire::Name::from_text(text);
    if (!name) return std::nullopt;
    name->to_lower();
    return name;
}

} // namespace phx::dns::tsig

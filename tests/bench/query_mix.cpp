// SPDX-License-Identifier: GPL-3.0-or-later
// The benchmarks' query mix (see query_mix.hpp).
#include "tests/bench/query_mix.hpp"

#include "dnsd/wire/name.hpp"

#include <algorithm>
#include <random>
#include <string>

namespace phx::bench {
namespace {

using namespace phx::dns;

Message query(const std::string& name, std::uint16_t type, std::uint16_t id,
              const Message& options) {
    Message q{static_cast<std::uint8_t>(id >> 8),
              static_cast<std::uint8_t>(id),
              0,
              0,
              0,
              1,
              0,
              0,
              0,
              0,
              0,
              1};
    const auto n = *wire::Name::from_text(name);
    q.insert(q.end(), n.wire().begin(), n.wire().end());
    q.insert(q.end(),
             {static_cast<std::uint8_t>(type >> 8), static_cast<std::uint8_t>(type), 0, 1});
    q.insert(q.end(), {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0}); // EDNS, 1232
    q.push_back(static_cast<std::uint8_t>(options.size() >> 8));
    q.push_back(static_cast<std::uint8_t>(options.size()));
    q.insert(q.end(), options.begin(), options.end());
    return q;
}

std::string random_case(std::string s, std::mt19937& rng) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z' && (rng() & 1)) c = static_cast<char>(c - 32);
    return s;
}

} // namespace

std::vector<Message> query_mix(const Message& options) {
    const std::vector<std::string> hosts{"nginx",      "traefik",         "ca",
                                         "portainer",  "portainer-agent", "granite-embedding",
                                         "granite-3b", "ollama",          "llamacpp"};
    std::mt19937 rng{1};
    std::vector<Message> mix;
    for (std::uint16_t i = 0; i < 1000; ++i) {
        const unsigned pick = i % 20;
        const std::string host = hosts[rng() % hosts.size()] + ".internal.thinkheads.ai";
        if (pick < 14)
            mix.push_back(query(random_case(host, rng), 1, i, options));
        else if (pick < 16)
            mix.push_back(query(host, 28, i, options));
        else if (pick < 18)
            mix.push_back(
                query("nosuch" + std::to_string(i) + ".internal.thinkheads.ai", 1, i, options));
        else if (pick < 19)
            mix.push_back(query("internal.thinkheads.ai", i % 2 ? 6 : 2, i, options));
        else
            mix.push_back(query("www" + std::to_string(i) + ".example.com", 1, i, options));
    }
    return mix;
}

void replace_cookie(Message& query, const std::vector<std::uint8_t>& cookie) {
    // The option is the last thing in the message: code, length, data.
    std::copy(cookie.begin(), cookie.end(),
              query.end() - static_cast<std::ptrdiff_t>(cookie.size()));
}

} // namespace phx::bench

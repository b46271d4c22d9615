// SPDX-License-Identifier: GPL-3.0-or-later
// Building and checking upstream queries; see upstream_query.hpp.
#include "dnsd/resolver/upstream_query.hpp"

#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/writer.hpp"

namespace phx::dns::resolver {
namespace {

void put16(std::vector<std::uint8_t>& v, std::uint32_t x) {
    v.push_back(static_cast<std::uint8_t>(x >> 8));
    v.push_back(static_cast<std::uint8_t>(x));
}

// The name with each letter's case chosen at random.
wire::Name randomise_case(const wire::Name& name, std::mt19937_64& rng) {
    wire::Name out;
    const auto w = name.wire();
    std::uint64_t bits = rng();
    int left = 64;
    std::size_t i = 0;
    while (i < w.size() && w[i] != 0) {
        std::uint8_t label[kMaxLabelLength];
        const std::size_t len = w[i];
        for (std::size_t j = 0; j < len; ++j) {
            std::uint8_t c = wire::lower(w[i + 1 + j]);
            if (c >= 'a' && c <= 'z') {
                if (left == 0) {
                    bits = rng();
                    left = 64;
                }
                if (bits & 1) c = static_cast<std::uint8_t>(c - 32);
                bits >>= 1;
                --left;
            }
            label[j] = c;
        }
        out.append_label({label, len});
        i += 1 + len;
    }
    return out;
}

} // namespace

std::vector<std::uint64_t> loop_marks(std::span<const std::uint8_t> message,
                                      const ParsedQuery& query) {
    std::vector<std::uint64_t> marks;
    if (!query.edns.present) return marks;
    wire::WireReader options{message.subspan(query.edns.options_offset, query.edns.options_length)};
    while (options.ok() && options.remaining() >= 4) {
        const std::uint16_t code = options.u16();
        const std::uint16_t length = options.u16();
        auto data = options.bytes(length);
        if (code != kLoopMarkOption || !options.ok()) continue;
        wire::WireReader m{data};
        while (m.remaining() >= 8) marks.push_back(std::uint64_t{m.u32()} << 32 | m.u32());
    }
    return marks;
}

UpstreamQuery make_upstream_query(const ParsedQuery& client,
                                  const std::vector<std::uint64_t>& marks, std::uint16_t udp_size,
                                  std::mt19937_64& rng) {
    UpstreamQuery q;
    q.id = static_cast<std::uint16_t>(rng());
    q.sent_name = randomise_case(client.qname, rng);
    auto& b = q.bytes;
    put16(b, q.id);
    put16(b, flag::rd | (client.flags & flag::cd));
    put16(b, 1);
    put16(b, 0);
    put16(b, 0);
    put16(b, 1);
    b.insert(b.end(), q.sent_name.wire().begin(), q.sent_name.wire().end());
    put16(b, to_u16(client.qtype));
    put16(b, client.qclass);
    // OPT: our size, the client's DO, and the loop marks.
    b.push_back(0);
    put16(b, to_u16(RrType::opt));
    put16(b, udp_size);
    put16(b, 0);
    put16(b, client.edns.dnssec_ok ? kEdnsDoBit : 0u);
    const auto option_length = static_cast<std::uint32_t>(marks.size() * 8);
    put16(b, 4 + option_length);
    put16(b, kLoopMarkOption);
    put16(b, option_length);
    for (const std::uint64_t mark : marks)
        for (int shift = 56; shift >= 0; shift -= 8)
            b.push_back(static_cast<std::uint8_t>(mark >> shift));
    return q;
}

bool is_reply_to(std::span<const std::uint8_t> reply, const UpstreamQuery& sent,
                 const ParsedQuery& client) noexcept {
    wire::WireReader r{reply};
    const std::uint16_t id = r.u16();
    const std::uint16_t flags = r.u16();
    const std::uint16_t qdcount = r.u16();
    r.skip(6);
    const auto name = r.bytes(sent.sent_name.size());
    const std::uint16_t qtype = r.u16();
    const std::uint16_t qclass = r.u16();
    if (!r.ok() || id != sent.id || (flags & flag::qr) == 0 || ((flags >> 11) & 0xf) != 0 ||
        qdcount != 1)
        return false;
    const auto expected = sent.sent_name.wire();
    return std::equal(name.begin(), name.end(), expected.begin()) &&
           qtype == to_u16(client.qtype) && qclass == client.qclass;
}

bool is_truncated(std::span<const std::uint8_t> reply) noexcept {
    return reply.size() >= kHeaderSize && (reply[2] & 0x02) != 0;
}

} // namespace phx::dns::resolver

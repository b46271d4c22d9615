// SPDX-License-Identifier: GPL-3.0-or-later
// Truncating a reply in place for the RRL slip (see slip.hpp).
#include "dnsd/rrl/slip.hpp"

#include "dnsd/wire/name.hpp"
#include "dnsd/wire/reader.hpp"
#include "dnsd/wire/types.hpp"

#include <cstring>

namespace phx::dns::rrl {

std::size_t truncate_reply(std::span<std::uint8_t> reply, std::size_t size) noexcept {
    if (size > reply.size() || size < kHeaderSize) return 0;
    wire::WireReader r{reply.first(size)};
    r.skip(4);
    const std::uint16_t questions = r.u16();
    const std::uint32_t records = std::uint32_t{r.u16()} + r.u16() + r.u16();
    wire::Name name;
    for (std::uint16_t i = 0; i < questions && r.ok(); ++i) {
        wire::read_name(r, name);
        r.skip(4);
    }
    const std::size_t question_end = r.pos();
    std::size_t opt_at = 0;
    std::size_t opt_size = 0;
    for (std::uint32_t i = 0; i < records && r.ok(); ++i) {
        const std::size_t start = r.pos();
        wire::read_name(r, name);
        const auto type = RrType{r.u16()};
        r.skip(6); // class, TTL
        r.skip(r.u16());
        if (type == RrType::opt) {
            opt_at = start;
            opt_size = r.pos() - start;
        }
    }
    if (!r.ok()) return 0;
    // The OPT record's owner is the root, never a pointer: it moves as is.
    std::memmove(reply.data() + question_end, reply.data() + opt_at, opt_size);
    reply[2] = static_cast<std::uint8_t>(reply[2] | (flag::tc >> 8));
    for (std::size_t at = 6; at < kHeaderSize; ++at) reply[at] = 0;
    reply[11] = opt_size > 0 ? 1 : 0;
    return question_end + opt_size;
}

} // namespace phx::dns::rrl

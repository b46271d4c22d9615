// SPDX-License-Identifier: GPL-3.0-or-later
// The NETLINK_NETFILTER socket of one phx-fw run: the ruleset generation,
// dump requests, and sending a batch and collecting one answer per message.
#pragma once

#include "fwcompile/netlink/batch.hpp"
#include "fwcompile/netlink/handles.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace phx::fw::netlink {

// Room for one get or dump request (a header and a table or set name).
using RequestBuffer = std::array<char, 4096>;
// Room for one receive: dump parts are at most 32 KiB (netlink_dump), with margin.
inline constexpr std::size_t kReceiveBufferSize = 128 * 1024;

// One error the kernel reported for a message of a batch.
struct KernelError {
    std::uint32_t seq = 0;
    int error = 0;            // positive errno
    std::uint32_t offset = 0; // of the offending attribute in the message (extended ACK), 0 if none
    std::string message;      // the kernel's extended ACK text, if any
};

struct BatchReply {
    std::vector<KernelError> errors;
    std::size_t acks = 0;  // messages acknowledged without error
    bool complete = false; // an answer arrived for every message (or for the batch as a whole)
};

class Socket {
public:
    // Opens and binds the socket; throws std::system_error (EPERM without CAP_NET_ADMIN).
    Socket();

    // The ruleset generation: it changes with every committed transaction.
    [[nodiscard]] std::uint32_t generation();

    // Sends `request` (a get or a dump) and hands every reply to `on_reply`.
    // Returns 0 or the errno the kernel answered with (ENOENT: no such
    // object); EINTR means the ruleset changed during a dump.
    int request(nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_reply);

    // Sends the whole batch in one sendmsg() and collects the answers.
    BatchReply send(const Batch& batch);

    [[nodiscard]] std::uint32_t next_seq() { return seq_++; }

private:
    void size_buffers(const Batch& batch);
    void collect(const Batch& batch, BatchReply& reply);

    MnlSocketPtr socket_;
    std::uint32_t portid_ = 0;
    std::uint32_t seq_;
};

} // namespace phx::fw::netlink

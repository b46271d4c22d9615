// SPDX-License-Identifier: GPL-3.0-or-later
// Netlink I/O; see socket.hpp.
#include "fwcompile/netlink/socket.hpp"

#include <cerrno>
#include <ctime>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>

namespace phx::fw::netlink {
namespace {

// The kernel handles a batch inside sendmsg(), so every answer is queued by
// the time it returns; the timeout only guards against a kernel that does not.
constexpr int kAnswerTimeoutMs = 10'000;
// Socket memory per queued ACK (an skb of a few hundred bytes), with margin.
constexpr std::size_t kBytesPerAck = 1024;

[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

void raise_buffer(int fd, int option, std::size_t wanted) {
    int current = 0;
    socklen_t length = sizeof current;
    getsockopt(fd, SOL_SOCKET, option == SO_SNDBUFFORCE ? SO_SNDBUF : SO_RCVBUF, &current, &length);
    if (wanted <= static_cast<std::size_t>(current)) return;
    const int size = static_cast<int>(std::min<std::size_t>(wanted, INT32_MAX / 2));
    // The *FORCE options need CAP_NET_ADMIN, which sending a batch needs anyway.
    if (setsockopt(fd, SOL_SOCKET, option, &size, sizeof size) < 0)
        fail("cannot size the netlink socket buffers");
}

struct Handler {
    const std::function<void(const nlmsghdr*)>* on_reply;
};

int call_handler(const nlmsghdr* nlh, void* data) {
    (*static_cast<Handler*>(data)->on_reply)(nlh);
    return MNL_CB_OK;
}

int parse_error_attribute(const nlattr* attr, void* data) {
    auto** tb = static_cast<const nlattr**>(data);
    const auto type = mnl_attr_get_type(attr);
    if (type <= NLMSGERR_ATTR_MAX) tb[type] = attr;
    return MNL_CB_OK;
}

// An NLMSG_ERROR answer: 0 is an ACK; with an extended ACK it also says
// which attribute was wrong and sometimes why.
KernelError read_error(const nlmsghdr* nlh) {
    const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
    KernelError out{nlh->nlmsg_seq, -err->error, 0, {}};
    if (out.error == 0 || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return out;
    std::size_t header = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) header += mnl_nlmsg_get_payload_len(&err->msg);
    const nlattr* tb[NLMSGERR_ATTR_MAX + 1] = {};
    if (mnl_attr_parse(nlh, static_cast<unsigned>(header), parse_error_attribute, tb) != MNL_CB_OK)
        return out;
    if (tb[NLMSGERR_ATTR_OFFS]) out.offset = mnl_attr_get_u32(tb[NLMSGERR_ATTR_OFFS]);
    if (tb[NLMSGERR_ATTR_MSG]) out.message = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
    return out;
}

} // namespace

Socket::Socket() : seq_{static_cast<std::uint32_t>(std::time(nullptr))} {
    socket_.reset(mnl_socket_open(NETLINK_NETFILTER));
    if (!socket_) fail("cannot open a netfilter netlink socket");
    if (mnl_socket_bind(socket_.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        fail("cannot bind the netlink socket");
    portid_ = mnl_socket_get_portid(socket_.get());
    int on = 1;
    // Extended ACKs point at the offending attribute (which set element);
    // capped ACKs do not echo our whole message back with every error.
    mnl_socket_setsockopt(socket_.get(), NETLINK_EXT_ACK, &on, sizeof on);
    mnl_socket_setsockopt(socket_.get(), NETLINK_CAP_ACK, &on, sizeof on);
}

std::uint32_t Socket::generation() {
    RequestBuffer buffer;
    nlmsghdr* nlh = nftnl_nlmsg_build_hdr(buffer.data(), NFT_MSG_GETGEN, AF_UNSPEC, 0, next_seq());
    std::uint32_t id = 0;
    const int error = request(nlh, [&](const nlmsghdr* reply) {
        GenPtr gen{checked(nftnl_gen_alloc())};
        if (nftnl_gen_nlmsg_parse(reply, gen.get()) == 0)
            id = nftnl_gen_get_u32(gen.get(), NFTNL_GEN_ID);
    });
    if (error != 0) {
        errno = error;
        fail("cannot read the ruleset generation from nf_tables");
    }
    return id;
}

int Socket::request(nlmsghdr* request, const std::function<void(const nlmsghdr*)>& on_reply) {
    // A get answers and then ACKs; a dump ends with NLMSG_DONE.
    if (!(request->nlmsg_flags & NLM_F_DUMP)) request->nlmsg_flags |= NLM_F_ACK;
    if (mnl_socket_sendto(socket_.get(), request, request->nlmsg_len) < 0) return errno;
    std::vector<char> buffer(kReceiveBufferSize);
    Handler handler{&on_reply};
    while (true) {
        const ssize_t n = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
        if (n < 0) return errno;
        const int ret = mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), request->nlmsg_seq,
                                   portid_, call_handler, &handler);
        if (ret < 0) return errno; // EINTR: NLM_F_DUMP_INTR, the ruleset changed meanwhile
        if (ret == MNL_CB_STOP) return 0;
    }
}

void Socket::size_buffers(const Batch& batch) {
    const int fd = mnl_socket_get_fd(socket_.get());
    raise_buffer(fd, SO_SNDBUFFORCE, batch.bytes() + kReceiveBufferSize);
    // Every ACK waits in our receive queue until the whole batch is done; if
    // they did not all fit, the kernel would drop some silently.
    raise_buffer(fd, SO_RCVBUFFORCE, (batch.acked_messages() + 64) * kBytesPerAck);
}

BatchReply Socket::send(const Batch& batch) {
    size_buffers(batch);
    auto iov = batch.iovecs();
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    msghdr message{};
    message.msg_name = &kernel;
    message.msg_namelen = sizeof kernel;
    message.msg_iov = iov.data();
    message.msg_iovlen = iov.size();
    if (sendmsg(mnl_socket_get_fd(socket_.get()), &message, 0) < 0)
        fail("cannot send the batch to nf_tables");
    BatchReply reply;
    collect(batch, reply);
    return reply;
}

void Socket::collect(const Batch& batch, BatchReply& reply) {
    const int fd = mnl_socket_get_fd(socket_.get());
    std::vector<char> buffer(kReceiveBufferSize);
    std::size_t answered = 0;
    bool batch_failed = false; // an error for BEGIN answers for the whole batch
    while (answered < batch.acked_messages() && !batch_failed) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, kAnswerTimeoutMs) <= 0) return;
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0)
            fail("cannot read the kernel's answer to the batch"); // ENOBUFS: answers were lost
        int left = static_cast<int>(n);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != portid_) continue;
            KernelError e = read_error(nlh);
            if (e.seq == batch.begin_seq())
                batch_failed = e.error != 0;
            else
                ++answered;
            if (e.error == 0)
                ++reply.acks;
            else
                reply.errors.push_back(std::move(e));
        }
    }
    reply.complete = true;
}

} // namespace phx::fw::netlink

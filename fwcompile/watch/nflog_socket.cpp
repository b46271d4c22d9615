// SPDX-License-Identifier: GPL-3.0-or-later
// The NFLOG subscription's socket: binding the group and reading what the
// kernel sends; see nflog.hpp. The parsing is in nflog.cpp.
#include "fwcompile/watch/nflog.hpp"

#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <fmt/format.h>
#include <linux/capability.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <system_error>
#include <unistd.h>

namespace phx::fw::watch {
namespace {

// Room for one datagram: the kernel fills at most NFULNL_NLBUFSIZ_DEFAULT
// (a page or two) per datagram; more only after NFULA_CFG_NLBUFSIZ.
constexpr std::size_t kReceiveBufferSize = 64 * 1024;
// Socket memory for bursts: the drop logs are rate-limited per chain, but
// several chains may log at once.
constexpr int kSocketBufferBytes = 1024 * 1024;

[[noreturn]] void fail(int error, const std::string& what) {
    throw std::system_error(error, std::generic_category(), what);
}

void check(int error, const char* what) {
    if (error != 0) fail(error, what);
}

// Waits for the kernel's answer to request `seq`: 0 or its errno. Packets
// of the group may arrive meanwhile; they are dropped (the subscription is
// not yet in use).
int await_ack(mnl_socket* socket, std::uint32_t seq) {
    std::vector<char> buffer(kReceiveBufferSize);
    const unsigned portid = mnl_socket_get_portid(socket);
    while (true) {
        const ssize_t n = mnl_socket_recvfrom(socket, buffer.data(), buffer.size());
        if (n < 0) return errno;
        const int ret =
            mnl_cb_run(buffer.data(), static_cast<std::size_t>(n), seq, portid, nullptr, nullptr);
        if (ret < 0) return errno;
        if (ret == MNL_CB_STOP) return 0;
    }
}

// CAP_NET_ADMIN is in this process's effective set.
bool has_net_admin() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    std::array<__user_cap_data_struct, _LINUX_CAPABILITY_U32S_3> data{};
    if (syscall(SYS_capget, &header, data.data()) != 0) return false;
    return (data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN)) != 0;
}

// nfnetlink_log gives a group to one socket; binding it from another fails
// with EPERM, the errno a missing CAP_NET_ADMIN gives too (EBUSY is for a
// socket that binds it twice).
[[noreturn]] void fail_to_bind(int error, std::uint16_t group) {
    if (error == EBUSY || (error == EPERM && has_net_admin()))
        throw std::runtime_error(fmt::format(
            "NFLOG group {} is taken: another program reads it (ulogd, another phx-fw watch)",
            group));
    fail(error, fmt::format("cannot bind NFLOG group {}", group));
}

} // namespace

NflogSubscription::NflogSubscription(std::uint16_t group) : buffer_(kReceiveBufferSize) {
    socket_.reset(mnl_socket_open(NETLINK_NETFILTER));
    if (!socket_) fail(errno, "cannot open a netfilter netlink socket");
    if (mnl_socket_bind(socket_.get(), 0, MNL_SOCKET_AUTOPID) < 0)
        fail(errno, "cannot bind the netlink socket");
    const int size = kSocketBufferBytes;
    // Best effort: without CAP_NET_ADMIN the default size stays.
    setsockopt(fd(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
    const nfulnl_msg_config_cmd command{NFULNL_CFG_CMD_BIND};
    if (const int error = configure(group, &command, sizeof command, NFULA_CFG_CMD))
        fail_to_bind(error, group);
    nfulnl_msg_config_mode mode{};
    mode.copy_range = htonl(kCopyRange);
    mode.copy_mode = NFULNL_COPY_PACKET;
    check(configure(group, &mode, sizeof mode, NFULA_CFG_MODE), "cannot set NFLOG's copy mode");
    // The kernel otherwise gathers up to 100 packets, or waits a second,
    // before it sends: a drop should show at once.
    const std::uint32_t one = htonl(1);
    check(configure(group, &one, sizeof one, NFULA_CFG_QTHRESH),
          "cannot set NFLOG's queue threshold");
}

int NflogSubscription::fd() const {
    return mnl_socket_get_fd(socket_.get());
}

int NflogSubscription::configure(std::uint16_t group, const void* attribute, std::size_t size,
                                 std::uint16_t type) {
    std::array<char, 256> buffer{};
    nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
    nlh->nlmsg_type = NFNL_SUBSYS_ULOG << 8 | NFULNL_MSG_CONFIG;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq_++;
    auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
    nfg->nfgen_family = AF_UNSPEC;
    nfg->version = NFNETLINK_V0;
    nfg->res_id = htons(group);
    mnl_attr_put(nlh, type, size, attribute);
    if (mnl_socket_sendto(socket_.get(), nlh, nlh->nlmsg_len) < 0) return errno;
    return await_ack(socket_.get(), nlh->nlmsg_seq);
}

std::vector<DroppedPacket> NflogSubscription::receive() {
    const ssize_t n = recv(fd(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
        if (errno == ENOBUFS) ++overruns_; // the socket was full: the kernel dropped messages
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) return {};
        fail(errno, "cannot read from the NFLOG socket");
    }
    return parse_nflog_datagram(std::span{buffer_}.first(static_cast<std::size_t>(n)));
}

} // namespace phx::fw::watch

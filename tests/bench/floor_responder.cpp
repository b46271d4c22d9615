// SPDX-License-Identifier: GPL-3.0-or-later
// The floor for the DNS benchmark: a "server" that does no DNS at all. Each
// thread owns one SO_REUSEPORT socket, blocks in recvmmsg for a batch,
// flips the QR bit of every datagram and sends the batch back with one
// sendmmsg. No DNS server can spend less CPU per query than this.
//
// With WINDOW_US > 0 it paces its drains the way phx-dnsd does under load
// (dnsd/net/udp_pacer.hpp, the same class): the floor for a server that
// batches, so phx-dnsd's batching is compared like for like as well.
//
// usage: floor_responder ADDR PORT [THREADS [WINDOW_US]]
#include "dnsd/net/udp_pacer.hpp"

#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

constexpr unsigned kBatch = 64;
constexpr std::size_t kMaxDatagram = 4096;

int open_socket(const char* address, int port) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(static_cast<std::uint16_t>(port));
    if (fd < 0 || inet_pton(AF_INET, address, &sin.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
        std::perror("floor_responder: bind");
        std::exit(1);
    }
    return fd;
}

void serve(int fd, std::chrono::microseconds window) {
    phx::dns::net::UdpPacer pacer{window};
    phx::dns::net::UdpPacer::Clock::time_point started{};
    std::vector<std::array<char, kMaxDatagram>> buffers(kBatch);
    std::array<mmsghdr, kBatch> msgs{};
    std::array<iovec, kBatch> iovs{};
    std::array<sockaddr_storage, kBatch> peers{};
    for (;;) {
        for (unsigned i = 0; i < kBatch; ++i) {
            iovs[i] = {buffers[i].data(), kMaxDatagram};
            msgs[i].msg_hdr = {};
            msgs[i].msg_hdr.msg_name = &peers[i];
            msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
            msgs[i].msg_hdr.msg_iov = &iovs[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
        }
        if (pacer.batching()) pacer.sleep_until_next(started);
        started = phx::dns::net::UdpPacer::Clock::now();
        const int n = ::recvmmsg(fd, msgs.data(), kBatch,
                                 pacer.batching() ? MSG_DONTWAIT : MSG_WAITFORONE, nullptr);
        pacer.drained(n > 0 ? static_cast<std::size_t>(n) : 0, started);
        if (n <= 0) continue;
        for (int i = 0; i < n; ++i) {
            if (msgs[i].msg_len > 2) buffers[i][2] = static_cast<char>(buffers[i][2] | 0x80);
            iovs[i].iov_len = msgs[i].msg_len;
        }
        ::sendmmsg(fd, msgs.data(), static_cast<unsigned>(n), 0);
    }
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: floor_responder ADDR PORT [THREADS [WINDOW_US]]\n");
        return 2;
    }
    const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
    const std::chrono::microseconds window{argc > 4 ? std::atol(argv[4]) : 0};
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back(serve, open_socket(argv[1], std::atoi(argv[2])), window);
    for (auto& t : pool) t.join();
}

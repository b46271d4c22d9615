// SPDX-License-Identifier: GPL-3.0-or-later
// The floor of the firewall benchmark: the nf_tables transaction `phx-fw
// apply` sends, sent bare. `save` compiles a rules file for the hypervisor
// target and writes the batch (BATCH_BEGIN ... BATCH_END, the messages
// phx-fw's own encoder makes) to a file; `send` reads such a file, hands it
// to the kernel in one sendmsg() and waits for every acknowledgement. No
// program can install that ruleset in less time than `send` takes: what is
// left is the kernel's own work.
//
//   fw_batch_floor save RULES.toml BATCH    (needs no privileges)
//   fw_batch_floor send BATCH               (in the namespace to change)
//   fw_batch_floor warm MIB                 (fw_bench.py: before each timed run)
//
// The saved batch carries no ruleset generation (apply's only difference:
// it asks the kernel to check one), so it can be sent at any time.
#include "fwcompile/load/load.hpp"
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/netlink/batch.hpp"
#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/netlink/handles.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <span>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace phx;

int save(const std::string& rules_path, const std::string& batch_path) {
    Diagnostics diag;
    const auto rules = fw::load_rules(rules_path, diag);
    diag.print(stderr);
    if (!rules) return 1;
    const fw::ir::Ruleset ruleset = fw::lower(*rules, fw::Target{});
    fw::netlink::Batch batch{0};
    fw::netlink::encode_replace(ruleset, batch); // exactly what apply sends

    batch.end();
    std::ofstream out{batch_path, std::ios::binary};
    for (const auto& page : batch.iovecs())
        out.write(static_cast<const char*>(page.iov_base),
                  static_cast<std::streamsize>(page.iov_len));
    if (!out) throw std::runtime_error("cannot write " + batch_path);
    std::printf("%zu messages, %zu bytes\n", batch.acked_messages(), batch.bytes());
    return 0;
}

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string{what} + ": " + std::strerror(errno));
}

// Messages that ask for an acknowledgement: all but BATCH_BEGIN and BATCH_END.
std::size_t acked_messages(std::span<const char> bytes) {
    std::size_t count = 0;
    int left = static_cast<int>(bytes.size());
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left))
        if (nlh->nlmsg_flags & NLM_F_ACK) ++count;
    return count;
}

// Sizes the socket as phx-fw does: the whole batch in one sendmsg(), and
// room for every acknowledgement until the transaction is done.
void size_buffers(int fd, std::size_t bytes, std::size_t acks) {
    const auto force = [&](int option, std::size_t wanted) {
        const int size = static_cast<int>(std::min<std::size_t>(wanted, INT32_MAX / 2));
        if (setsockopt(fd, SOL_SOCKET, option, &size, sizeof size) < 0) fail("setsockopt");
    };
    force(SO_SNDBUFFORCE, bytes + 128 * 1024);
    force(SO_RCVBUFFORCE, (acks + 64) * 1024);
}

// The batch file mapped into memory, its pages read in by the same call:
// reading it into a buffer of our own would add copying and page faults
// (tens of milliseconds for a 50,000-row batch on a VM) that are not the
// kernel's work and that apply, which builds its batch in memory, never has.
class MappedFile {
public:
    explicit MappedFile(const std::string& path) {
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) fail("cannot open the batch");
        struct stat st {};
        if (::fstat(fd, &st) != 0 || st.st_size == 0) {
            ::close(fd);
            throw std::runtime_error("no batch in " + path);
        }
        size_ = static_cast<std::size_t>(st.st_size);
        data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        ::close(fd);
        if (data_ == MAP_FAILED) fail("cannot map the batch");
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { ::munmap(data_, size_); }
    [[nodiscard]] std::span<const char> bytes() const {
        return {static_cast<const char*>(data_), size_};
    }

private:
    void* data_ = nullptr;
    std::size_t size_ = 0;
};

int send(const std::string& batch_path) {
    const MappedFile file{batch_path};
    const std::span<const char> bytes = file.bytes();
    const std::size_t expected = acked_messages(bytes);

    const fw::netlink::MnlSocketPtr socket{mnl_socket_open(NETLINK_NETFILTER)};
    mnl_socket* nl = socket.get();
    if (!nl) fail("cannot open a netfilter netlink socket");
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) fail("bind");
    const int fd = mnl_socket_get_fd(nl);
    int on = 1;
    mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof on);
    size_buffers(fd, bytes.size(), expected);

    const auto start = std::chrono::steady_clock::now();
    if (mnl_socket_sendto(nl, bytes.data(), bytes.size()) < 0) fail("sendto");
    std::vector<char> buffer(128 * 1024);
    std::size_t answered = 0;
    int errors = 0;
    while (answered < expected) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 10'000) <= 0) throw std::runtime_error("the kernel stopped answering");
        const ssize_t n = recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0) fail("recv");
        int left = static_cast<int>(n);
        for (auto* nlh = reinterpret_cast<const nlmsghdr*>(buffer.data()); mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_type != NLMSG_ERROR) continue;
            const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
            ++answered;
            if (err->error != 0) {
                ++errors;
                std::fprintf(stderr, "message %u: %s\n", nlh->nlmsg_seq,
                             std::strerror(-err->error));
            }
        }
        if (errors > 0) break; // the transaction is void; its remaining answers do not matter
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (errors > 0) return 1;
    std::printf("%zu messages, %zu bytes, kernel %.1f ms\n", expected, bytes.size(), ms);
    return 0;
}

// Takes MIB of memory in huge pages and gives it back. A VM whose balloon
// reports free pages to the host (virtio-balloon free page reporting: this
// project's benchmark machine) hands memory freed for about two seconds
// back to the host, and the next program that touches it waits for the
// host to back it again: 1.4-2 ms per MiB, against 0.05 ms when it was just
// freed. Run right before each timed command, this leaves it memory as a
// bare-metal host always has it, so a tool is not timed by how much memory
// it touches after another one freed some.
int warm(const std::string& mib) {
    const std::size_t bytes = std::stoul(mib) << 20;
    void* memory =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) fail("mmap");
    ::madvise(memory, bytes, MADV_HUGEPAGE);
    if (::madvise(memory, bytes, MADV_POPULATE_WRITE) != 0) fail("MADV_POPULATE_WRITE");
    ::munmap(memory, bytes);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    try {
        const std::vector<std::string> args(argv + 1, argv + argc);
        if (args.size() == 3 && args[0] == "save") return save(args[1], args[2]);
        if (args.size() == 2 && args[0] == "send") return send(args[1]);
        if (args.size() == 2 && args[0] == "warm") return warm(args[1]);
        std::fprintf(stderr, "usage: fw_batch_floor save RULES BATCH | send BATCH | warm MIB\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fw_batch_floor: %s\n", e.what());
        return 1;
    }
}

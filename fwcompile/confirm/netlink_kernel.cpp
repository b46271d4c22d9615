// SPDX-License-Identifier: GPL-3.0-or-later
// The keeper's kernel over netlink (kernel.hpp): each call is one socket and
// one of the netlink layer's functions.
#include "fwcompile/confirm/kernel.hpp"
#include "fwcompile/netlink/readback.hpp"

namespace phx::fw::confirm {
namespace {

class NetlinkKernel final : public Kernel {
public:
    std::uint32_t generation() override { return netlink::Socket{}.generation(); }

    netlink::Outcome apply(const ir::Table& table, std::uint32_t generation) override {
        netlink::Socket socket;
        return netlink::apply_table(socket, table, generation, false);
    }

    netlink::Outcome restore(const std::optional<ir::Table>& previous,
                             std::uint32_t generation) override {
        netlink::Socket socket;
        return netlink::restore_table(socket, previous, generation, false);
    }

    std::optional<ir::Table> read_live_table() override {
        netlink::Socket socket;
        return netlink::read_live_table(socket);
    }
};

} // namespace

std::unique_ptr<Kernel> netlink_kernel() {
    return std::make_unique<NetlinkKernel>();
}

} // namespace phx::fw::confirm

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

    netlink::Outcome apply(const ir::Ruleset& ruleset, std::uint32_t generation) override {
        netlink::Socket socket;
        return netlink::apply_ruleset(socket, ruleset, generation, false);
    }

    netlink::Outcome restore(const ir::Ruleset& previous, std::uint32_t generation) override {
        netlink::Socket socket;
        return netlink::restore_ruleset(socket, previous, generation, false);
    }

    ir::Ruleset read_live() override {
        netlink::Socket socket;
        return netlink::read_live_ruleset(socket);
    }
};

} // namespace

std::unique_ptr<Kernel> netlink_kernel() {
    return std::make_unique<NetlinkKernel>();
}

} // namespace phx::fw::confirm

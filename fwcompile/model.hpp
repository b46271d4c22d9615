// SPDX-License-Identifier: GPL-3.0-or-later
// The rules file as data: the inventory of hosts and the firewall rows, each
// with the position it was written at. No TOML and no netlink here.
#pragma once

#include "common/diag.hpp"
#include "common/net.hpp"

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw {

enum class HostKind : std::uint8_t { hypervisor, lxc, vm };

struct Host {
    std::string name;
    std::optional<std::uint32_t> id; // Proxmox VMID; the hypervisor has none
    HostKind kind = HostKind::lxc;
    IpAddress address;
    SourcePos at;
};

// Hosts are numbered by their place in Inventory::hosts.
using HostIndex = std::uint32_t;
inline constexpr HostIndex kHypervisor = 0;

// Hosts are added with add(), which also indexes them: rows name hosts by
// name, id or address, and a large inventory searched linearly for each of
// them would make loading quadratic.
struct Inventory {
    std::vector<Host> hosts; // hosts[kHypervisor] is the hypervisor, then the guests
    Cidr network;            // the subnet on the bridge; addresses in it should be hosts
    std::string bridge;

    // Appends the host; its name, id and address must be new (the loader checks).
    void add(Host host);
    [[nodiscard]] const Host& hypervisor() const { return hosts.at(kHypervisor); }
    [[nodiscard]] std::optional<HostIndex> find_by_address(const IpAddress& a) const;
    [[nodiscard]] std::optional<HostIndex> find_by_name(std::string_view name) const;
    [[nodiscard]] std::optional<HostIndex> find_by_id(std::uint32_t id) const;
    // "nginx", "101" or "10.0.0.153"; nullopt when no host is meant.
    [[nodiscard]] std::optional<HostIndex> find(std::string_view reference) const;
    // "nginx (10.0.0.153)", for messages.
    [[nodiscard]] std::string describe(HostIndex h) const;

private:
    // Host indices by one key: open addressing, each slot keeping its key's
    // hash, so a look-up reads the slot array and only the host it finds.
    // (std::unordered_map would chase a node per step, and hash a string key
    // again at every step.) Indices, not pointers: copies stay valid.
    class Index {
    public:
        void insert(std::size_t hash, HostIndex host);
        template <typename Matches>
        [[nodiscard]] std::optional<HostIndex> find(std::size_t hash, Matches matches) const;

    private:
        struct Slot {
            std::size_t hash = 0;
            std::optional<HostIndex> host;
        };
        std::vector<Slot> slots_; // a power of two in size, at most half full
        std::size_t used_ = 0;
    };
    Index by_name_;
    Index by_id_;
    Index by_address_;
};

// The longest comment nftables keeps (NFTNL_UDATA_COMMENT_MAXLEN): rows'
// comments become rule and set element comments.
inline constexpr std::size_t kMaxCommentBytes = 128;

enum class Direction : std::uint8_t { in, out };
enum class Action : std::uint8_t { accept, drop, reject };
enum class Protocol : std::uint8_t { any, tcp, udp, icmp, icmpv6 };

[[nodiscard]] std::string_view to_string(Direction d);
[[nodiscard]] std::string_view to_string(Action a);
[[nodiscard]] std::string_view to_string(Protocol p);
[[nodiscard]] std::uint8_t ip_protocol_number(Protocol p); // IPPROTO_*; 0 for any

// One entry of a source or destination list, as written.
struct Address {
    Cidr cidr;
    std::optional<HostIndex> host; // the inventory host it names or equals
    SourcePos at;
    std::string text; // as written, for messages
    // Supplied by the row's scope for a side written as "any" ("whatever
    // this host sends"): the host's own chains then need not match it, so
    // its other addresses (IPv6, other networks) are covered too.
    bool from_scope = false;
};

// No entries means "any". Almost every list holds one entry (or two ports):
// kept inline, a row's lists cost no allocation, and copying a flow (each
// row holds two) copies no heap blocks. A large policy has 50,000 rows.
struct AddressList {
    boost::container::small_vector<Address, 1> items;
    [[nodiscard]] bool any() const noexcept { return items.empty(); }
};

struct PortList {
    boost::container::small_vector<PortRange, 2> ranges; // empty: any port
    boost::container::small_vector<SourcePos, 2> at;     // one per range
    [[nodiscard]] bool any() const noexcept { return ranges.empty(); }
};

// The traffic a row is about: packets from source to destination.
struct Flow {
    AddressList source;
    AddressList destination;
    Protocol protocol = Protocol::any;
    PortList ports;

    // The address family every address of the flow belongs to; nullopt when
    // both ends are "any" and the flow is about IPv4 and IPv6 alike.
    [[nodiscard]] std::optional<IpFamily> family() const;
};

// Where each field of a row was written, for diagnostics.
struct RowPositions {
    SourcePos scope, direction, action, source, destination, protocol, ports, comment;
};

struct Row {
    SourcePos at;                   // the [[rule]] header
    std::optional<HostIndex> scope; // nullopt: the global (datacenter) table
    Direction direction = Direction::in;
    Action action = Action::accept;
    Flow written; // as in the file, defaults filled in
    std::string comment;
    RowPositions pos;
    // The flow once the scope is applied (see scope.hpp); nullopt when the
    // row can never match anything, e.g. a guest's "out" row from another host.
    std::optional<Flow> effective;
};

struct RuleSet {
    std::string file;
    Inventory inventory;
    std::vector<Row> rows;
};

} // namespace phx::fw

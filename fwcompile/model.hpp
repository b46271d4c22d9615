// SPDX-License-Identifier: GPL-3.0-or-later
// The rules file as data: the inventory of hosts (common/inventory) and the
// firewall rows, each with the position it was written at. No TOML and no
// netlink here.
#pragma once

#include "common/diag.hpp"
#include "common/inventory/inventory.hpp"
#include "common/net.hpp"
#include "common/place_vector.hpp"
#include "common/text_arena.hpp"

#include <array>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw {

// The inventory is shared with phx-dnsd (common/inventory); the compiler
// speaks of its hosts in its own namespace.
using inventory::default_port;
using inventory::Host;
using inventory::HostIndex;
using inventory::HostKind;
using inventory::Inventory;
using inventory::kHypervisor;
using inventory::MacAddress;
using inventory::parse_mac;
using inventory::to_string;

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
    TextView text; // as written, for messages; kept in RuleSet::texts
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

// Where a row comes from: a [[rule]] of the file, or the [management]
// section, which makes one row per service it opens (written or not).
enum class RowOrigin : std::uint8_t { rule, management };

// What applying the row's scope (scope.hpp) did to its flow.
enum class Scoping : std::uint8_t {
    not_applied,   // the flow is as written
    as_written,    // a global "in" row: nothing to narrow
    narrowed,      // the side the scope pins is now the one host
    never_matches, // no packet can match the row; the flow is as written
};

struct Row {
    RowOrigin origin = RowOrigin::rule;
    Direction direction = Direction::in;
    Action action = Action::accept;
    Scoping scoping = Scoping::not_applied;
    SourcePos at;                   // the [[rule]] header; [management]'s, or the file's
    std::optional<HostIndex> scope; // nullopt: the global (datacenter) table
    // The flow as written, defaults filled in; once apply_scope() narrows
    // the side the scope pins to the one host, that side as written is
    // kept in written_side (nothing when it was "any", as it mostly is: the
    // side a scope pins goes without saying). One flow rather than the
    // written flow and a scoped copy: a row was 752 bytes with both, and a
    // large policy has 50,000 rows, every one written and read back.
    Flow flow;
    std::vector<Address> written_side;
    TextView comment; // kept in RuleSet::texts
    // Where the scope was written (its value, else the row's header): the
    // one position diagnostics after loading need beyond the addresses' and
    // ports' own (the never-matching warning, the scoped host's address). A
    // large policy has 50,000 rows; the loader reports the other fields'
    // errors as it reads them.
    SourcePos scope_at;

    // The flow once the scope is applied; null when the row can never match
    // anything (e.g. a guest's "out" row from another host), or before.
    [[nodiscard]] const Flow* effective() const noexcept {
        return scoping == Scoping::as_written || scoping == Scoping::narrowed ? &flow : nullptr;
    }
    // The source and destination as the file has them (empty: "any").
    [[nodiscard]] std::span<const Address> written_source() const noexcept {
        if (scoping == Scoping::narrowed && direction == Direction::out) return written_side;
        return {flow.source.items.data(), flow.source.items.size()};
    }
    [[nodiscard]] std::span<const Address> written_destination() const noexcept {
        if (scoping == Scoping::narrowed && direction == Direction::in) return written_side;
        return {flow.destination.items.data(), flow.destination.items.size()};
    }
};

// Where a row comes from, for people: "rules.toml:153" for a [[rule]],
// "rules.toml:40 [management]" for a row of the section, "[management]
// defaults" for one the file does not write.
[[nodiscard]] std::string row_source(const Row& row);

// Access the hypervisor always gives its management network, as the Proxmox
// firewall does: SSH, the web UI, the consoles and, on a cluster, corosync
// and migration. Its rows come first in the hypervisor's input chain, so no
// row of the file can lock the admin out; narrowing or turning it off has
// to be written in [management] itself.
struct Management {
    bool enabled = true;
    bool written = false; // the file has a [management] section
    SourcePos at;         // the section, or the file when it is not written
    AddressList sources;  // default: the hypervisor's network minus the guests
    bool default_sources = true;
    bool ssh = true;      // tcp 22
    bool web = true;      // tcp 8006, the web UI and its API
    bool console = true;  // tcp 5900-5999 (VNC) and 3128 (SPICE proxy)
    bool cluster = false; // udp 5405-5412 (corosync), tcp 60000-60050 (migration)
};

// What each base chain does with what no row accepts: it is always dropped
// and counted; by default it is also logged, rate-limited, to an NFLOG
// group that `phx-fw watch` reads.
struct Logging {
    bool drops = true;
    std::uint16_t group = 100;     // NFLOG group (nfnetlink_log)
    std::uint32_t per_second = 10; // per chain
    std::uint32_t burst = 20;
};

struct RuleSet {
    std::string file;
    // The text the rows' comments view. Shared by copies of the rule set:
    // their rows view the same text.
    std::shared_ptr<TextArena> texts = std::make_shared<TextArena>();
    Inventory inventory;
    Management management;
    Logging logging;
    // The management rows first, then the file's [[rule]]s in order. Not a
    // std::vector: the loader constructs the file's rows in place, where it
    // loads them (PlaceVector).
    PlaceVector<Row> rows;
    std::size_t management_rows = 0;

    // The file's [[rule]] rows, without [management]'s.
    [[nodiscard]] std::span<const Row> file_rows() const {
        return {rows.data() + management_rows, rows.size() - management_rows};
    }
};

} // namespace phx::fw

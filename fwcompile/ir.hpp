// SPDX-License-Identifier: GPL-3.0-or-later
// The compiler's intermediate representation: table inet phx (and, for the
// hypervisor target, table bridge phx) with sets, chains and rules, in
// nftables' own terms but independent of libnftnl. The
// lowering produces it, the text printer and the netlink encoder consume it,
// and the netlink decoder rebuilds it from what the kernel reports, so `show`,
// `list` and `diff` all speak the same language.
#pragma once

#include "common/diag.hpp"
#include "common/net.hpp"
#include "common/text_arena.hpp"

#include <array>
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace phx::fw::ir {

// inet: the stateful policy (input, forward, output); bridge: the stateless
// checks on each guest's bridge port (prerouting), where the port is seen.
enum class Family : std::uint8_t { inet, bridge };
[[nodiscard]] std::string_view to_string(Family family);

enum class Hook : std::uint8_t { input, forward, output, prerouting };
[[nodiscard]] std::string_view to_string(Hook hook);

// Data types of set keys and compared values, with nftables' names and ids.
enum class Type : std::uint8_t {
    ipv4_addr,
    ipv6_addr,
    inet_proto,
    inet_service,
    icmpv6_type,
    ifname,
    ether_addr
};
struct TypeInfo {
    std::string_view name; // "ipv4_addr"
    std::uint32_t id;      // nftables' datatype number, as the kernel stores it
    std::uint8_t length;   // bytes
};
[[nodiscard]] const TypeInfo& info(Type type);

// The packet fields phx-fw matches on. iifname and oifname are the names of
// the interfaces (on bridged packets in the inet family: the bridge's);
// ether_saddr and arp_spa (the ARP sender's IPv4 address) are the bridge
// family's.
enum class Field : std::uint8_t {
    ip_saddr,
    ip_daddr,
    ip6_saddr,
    ip6_daddr,
    l4proto,
    th_dport,
    icmpv6_type,
    th_sport,
    iifname,
    oifname,
    ether_saddr,
    arp_spa
};
struct FieldInfo {
    std::string_view text; // "ip saddr", as nft prints it
    Type type;
};
[[nodiscard]] const FieldInfo& info(Field field);

// A value of some Type in network byte order; bytes past the type's length are zero.
struct Value {
    std::array<std::uint8_t, 16> bytes{};
    friend std::strong_ordering operator<=>(const Value& a, const Value& b) {
        return compare_bytes(a.bytes, b.bytes);
    }
    friend bool operator==(const Value& a, const Value& b) { return (a <=> b) == 0; }
};

// An inclusive range of values; a single value has lo == hi.
struct Interval {
    Value lo;
    Value hi;
    [[nodiscard]] bool point() const { return lo == hi; }
    friend auto operator<=>(const Interval&, const Interval&) = default;
};

[[nodiscard]] Interval interval_of(const Cidr& cidr);
[[nodiscard]] Interval interval_of(const PortRange& ports);
[[nodiscard]] Interval interval_of_byte(std::uint8_t value);
// An interface name as the kernel compares it: NUL-padded to 16 bytes.
[[nodiscard]] Interval interval_of_name(std::string_view name);
[[nodiscard]] Interval interval_of_mac(const std::array<std::uint8_t, 6>& mac);
// The prefix length when [lo, hi] is exactly one prefix of `bits` bits; -1 otherwise.
[[nodiscard]] int prefix_length(const Interval& interval, unsigned bits);

struct Counter {
    std::uint64_t packets = 0;
    std::uint64_t bytes = 0;
};

// Where a rule, set or element came from: an index into Table::origins.
using OriginId = std::uint32_t;
inline constexpr OriginId kNoOrigin = 0xffffffff;

struct Element {
    std::vector<Interval> key; // one interval per key type
    // Its row's, in the table's `texts`: a large policy has tens of
    // thousands of elements, and a string each was a malloc each.
    TextView comment;
    Counter counter;
    OriginId origin = kNoOrigin;
};

struct Set {
    std::string name;
    std::vector<Type> key;
    bool interval = false;  // ranges and prefixes allowed (pipapo for concatenations)
    bool anonymous = false; // constant, bound to one rule, printed inline
    bool counter = false;   // every element counts its packets
    std::vector<Element> elements;
    OriginId origin = kNoOrigin;
};

// The size a set declares to the kernel, 0 for none. With a size the kernel
// builds a plain hash table of the right size instead of an rhashtable that
// keeps growing (and rehashing) while a large set is loaded. The size is
// also a limit, which costs nothing as phx-fw always replaces whole sets.
// Interval sets (pipapo, rbtree) gain nothing from it and declare none.
[[nodiscard]] std::uint32_t declared_size(const Set& set);

// ct state bits, as the kernel defines them (NF_CT_STATE_*).
inline constexpr std::uint32_t kCtInvalid = 1, kCtEstablished = 2, kCtRelated = 4, kCtNew = 8,
                               kCtUntracked = 64;

struct CtStateMatch {
    std::uint32_t states = 0; // matches when the packet's state is one of these
};
struct InterfaceMatch {
    bool input = true; // iif, else oif
    std::uint32_t index = 0;
    std::string name;
};
struct FieldMatch {
    Field field;
    Interval value;
    bool negate = false; // != (points only)
};
struct SetMatch {
    std::vector<Field> key; // concatenated, in this order
    std::string set;
    bool negate = false; // the key is not in the set
};
using Match = std::variant<CtStateMatch, InterfaceMatch, FieldMatch, SetMatch>;

enum class Verdict : std::uint8_t {
    accept,
    drop,
    reject_tcp_reset,
    reject_icmp,
    reject_icmpv6,
    reject_icmpx,
    none // no verdict: the packet goes on to the next rule (a log rule)
};

// `limit rate N/second burst M packets`: the rule's statements run for at
// most this many packets.
struct Limit {
    std::uint64_t per_second = 0;
    std::uint32_t burst = 0;
    friend bool operator==(const Limit&, const Limit&) = default;
};

// `log prefix "..." group N`: a copy of the packet to an NFLOG group.
struct Log {
    std::string prefix;
    std::uint16_t group = 0;
    friend bool operator==(const Log&, const Log&) = default;
};

struct Rule {
    std::vector<Match> matches; // all must hold
    std::optional<Limit> limit;
    std::optional<Log> log;
    Verdict verdict = Verdict::drop;
    bool counter = true;
    Counter counts;
    std::string comment;
    OriginId origin = kNoOrigin;
    std::string undecoded; // read back only: the kernel's rule when phx-fw cannot decode it
};

// The "filter" priority of each family, as nft names it.
inline constexpr std::int32_t kInetFilterPriority = 0;
inline constexpr std::int32_t kBridgeFilterPriority = -200;

struct Chain {
    std::string name;
    Hook hook = Hook::input;
    std::int32_t priority = kInetFilterPriority;
    bool policy_drop = true;
    std::vector<Rule> rules;
};

struct Table {
    Family family = Family::inet;
    std::string name = "phx";
    std::string comment; // which target, from which file: what list and diff show
    std::vector<Set> sets;
    std::vector<Chain> chains;
    std::vector<SourcePos> origins;
    // Read back only: objects inside the table that phx-fw did not make.
    std::vector<std::string> undecoded;
    // The text its elements' comments view: lowered, the rule set's own
    // (RuleSet::texts: an element's comment is its row's, not a copy);
    // read back, the comments copied out of the kernel's answer. Shared by
    // copies of the table.
    std::shared_ptr<TextArena> texts = std::make_shared<TextArena>();

    [[nodiscard]] const Set* find_set(std::string_view set_name) const;
    [[nodiscard]] const SourcePos* origin(OriginId id) const;
};

inline constexpr std::string_view kTableName = "phx";

// Everything phx-fw installs for one target, one table per family: inet
// always, bridge for the hypervisor target. Applying it replaces phx-fw's
// tables of both families, so a table the target has none of is removed.
struct Ruleset {
    std::vector<Table> tables;

    [[nodiscard]] const Table* find(Family family) const;
    [[nodiscard]] Table* find(Family family);
};
inline constexpr Family kFamilies[] = {Family::inet, Family::bridge};

} // namespace phx::fw::ir

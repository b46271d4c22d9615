// SPDX-License-Identifier: GPL-3.0-or-later
// The netlink layer without a kernel: a whole batch is parsed back with
// libnftnl and decoded, and must print exactly as the table it came from;
// batch pages never lose or cut a message; errors map back to rows.
#include "fwcompile/lower/lower.hpp"
#include "fwcompile/netlink/apply.hpp"
#include "fwcompile/netlink/batch.hpp"
#include "fwcompile/netlink/decode.hpp"
#include "fwcompile/netlink/encode.hpp"
#include "fwcompile/nft_text.hpp"
#include "unit/fwcompile/fw_test_util.hpp"

#include <arpa/inet.h> // before the linux/ headers, which would redefine in_addr
#include <doctest/doctest.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <map>
#include <sys/mman.h>

using namespace phx;
using namespace phx::fw;
using namespace phx::fw::netlink;

namespace {

std::string joined(const Batch& batch) {
    std::string bytes;
    for (const auto& iov : batch.iovecs())
        bytes.append(static_cast<const char*>(iov.iov_base), iov.iov_len);
    return bytes;
}

std::vector<const nlmsghdr*> messages_of(const std::string& bytes) {
    std::vector<const nlmsghdr*> out;
    int left = static_cast<int>(bytes.size());
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(bytes.data()); mnl_nlmsg_ok(nlh, left);
         nlh = mnl_nlmsg_next(nlh, &left))
        out.push_back(nlh);
    CHECK(left == 0); // nothing truncated, nothing left over
    return out;
}

std::uint16_t nft_type(const nlmsghdr* nlh) {
    return static_cast<std::uint16_t>(nlh->nlmsg_type & 0xff);
}

ir::Family family_of(const nlmsghdr* nlh) {
    const auto* header = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
    return header->nfgen_family == NFPROTO_BRIDGE ? ir::Family::bridge : ir::Family::inet;
}

// What the kernel would receive, decoded the way `phx-fw list` decodes the
// kernel's answer. The kernel names anonymous sets itself; here they keep
// the names the tables gave them, in the order they created them.
class BatchDecoder {
public:
    explicit BatchDecoder(const ir::Ruleset& original) {
        for (const auto& table : original.tables)
            for (const auto& s : table.sets)
                if (s.anonymous) anonymous_[table.family].push_back(s.name);
    }

    ir::Ruleset decode(const std::string& bytes) {
        for (const nlmsghdr* nlh : messages_of(bytes))
            if (nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES) message(nlh); // skips BEGIN and END
        ir::Ruleset out;
        for (auto& [family, parts] : tables_) {
            if (!parts.built) continue;
            std::size_t next_anonymous = 0;
            for (auto& s : parts.sets) {
                auto set = decode_set(s.get(), *parts.table.texts);
                REQUIRE(set);
                if (set->anonymous) set->name = anonymous_[family].at(next_anonymous++);
                parts.table.sets.push_back(std::move(*set));
            }
            out.tables.push_back(std::move(parts.table));
        }
        return out;
    }

private:
    struct Parts {
        ir::Table table;
        std::vector<SetPtr> sets;
        bool built = false; // a NEWTABLE after the family's DELTABLE: the table made anew
        bool deleted = false;
        std::size_t anonymous_rules = 0;
    };

    void message(const nlmsghdr* nlh) {
        Parts& parts = tables_[family_of(nlh)];
        parts.table.family = family_of(nlh);
        switch (nft_type(nlh)) {
        case NFT_MSG_NEWTABLE: {
            if (!parts.deleted) break; // the "create if missing" before the delete
            parts.built = true;
            TablePtr t{nftnl_table_alloc()};
            REQUIRE(nftnl_table_nlmsg_parse(nlh, t.get()) == 0);
            if (nftnl_table_is_set(t.get(), NFTNL_TABLE_USERDATA)) {
                std::uint32_t length = 0;
                const void* data = nftnl_table_get_data(t.get(), NFTNL_TABLE_USERDATA, &length);
                parts.table.comment = comment_of(data, length);
            }
            break;
        }
        case NFT_MSG_DELTABLE:
            parts.deleted = true;
            break;
        case NFT_MSG_NEWCHAIN: {
            ChainPtr c{nftnl_chain_alloc()};
            REQUIRE(nftnl_chain_nlmsg_parse(nlh, c.get()) == 0);
            parts.table.chains.push_back(*decode_chain(c.get(), parts.table.family));
            break;
        }
        case NFT_MSG_NEWSET:
            parts.sets.emplace_back(nftnl_set_alloc());
            REQUIRE(nftnl_set_nlmsg_parse(nlh, parts.sets.back().get()) == 0);
            break;
        case NFT_MSG_NEWSETELEM:
            REQUIRE(nftnl_set_elems_nlmsg_parse(nlh, parts.sets.back().get()) == 0);
            break;
        case NFT_MSG_NEWRULE:
            rule(nlh, parts);
            break;
        default:
            break;
        }
    }

    void rule(const nlmsghdr* nlh, Parts& parts) {
        RulePtr r{nftnl_rule_alloc()};
        REQUIRE(nftnl_rule_nlmsg_parse(nlh, r.get()) == 0);
        ir::Rule rule = decode_rule(r.get(), parts.table.family);
        REQUIRE_MESSAGE(rule.undecoded.empty(), rule.undecoded);
        for (auto& m : rule.matches)
            if (auto* s = std::get_if<ir::SetMatch>(&m); s && s->set == "__set%d")
                s->set = anonymous_[parts.table.family].at(parts.anonymous_rules++);
        const std::string chain = nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN);
        for (auto& c : parts.table.chains)
            if (c.name == chain) c.rules.push_back(std::move(rule));
    }

    std::map<ir::Family, Parts> tables_;
    std::map<ir::Family, std::vector<std::string>> anonymous_;
};

ir::Ruleset decode_batch(const std::string& bytes, const ir::Ruleset& original) {
    return BatchDecoder{original}.decode(bytes);
}

ir::Table decode_batch(const std::string& bytes, const ir::Table& original) {
    ir::Ruleset one;
    one.tables.push_back(original);
    ir::Ruleset decoded = decode_batch(bytes, one);
    REQUIRE(decoded.tables.size() == 1);
    return std::move(decoded.tables.front());
}

RuleSet load(const char* file) {
    Diagnostics diag;
    auto rules = load_rules(file, diag);
    REQUIRE_MESSAGE(rules, diag.to_string());
    return std::move(*rules);
}

} // namespace

TEST_CASE("encode/decode: the spec's batch decodes back to the very tables it was built from") {
    const RuleSet rules = load(PHX_SOURCE_DIR "/rules/phoenix.toml");
    for (const Target target : {Target{}, Target{rules.inventory.find("nginx")}}) {
        const ir::Ruleset ruleset = lower(rules, target);
        CHECK(ruleset.tables.size() == (target.host ? 1u : 2u)); // bridge phx: the hypervisor's
        Batch batch{7};
        encode_replace(ruleset, batch);
        batch.end();
        CHECK(to_nft_text(decode_batch(joined(batch), ruleset)) == to_nft_text(ruleset));
    }
}

TEST_CASE("encode/decode: drop and reject rows, IPv6, lists, ranges, MAC and IPv6 bindings survive "
          "the round trip") {
    const RuleSet rules = load(PHX_SOURCE_DIR "/tests/golden/mixed.toml");
    const ir::Ruleset ruleset = lower(rules, Target{});
    Batch batch{0};
    encode_replace(ruleset, batch);
    const std::string text = to_nft_text(ruleset);
    CHECK(text.find("set mac_bindings") != std::string::npos);
    CHECK(text.find("set ip6_bindings") != std::string::npos);
    CHECK(to_nft_text(decode_batch(joined(batch), ruleset)) == text);
}

TEST_CASE("batch: BEGIN carries the generation, every message asks for an ACK, END closes") {
    Batch batch{0x01020304};
    encode_flush(ir::Family::inet, batch);
    batch.end();
    const std::string bytes = joined(batch);
    const auto messages = messages_of(bytes);
    REQUIRE(messages.size() == 4);
    CHECK(messages[0]->nlmsg_type == NFNL_MSG_BATCH_BEGIN);
    const auto* genid =
        static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(messages[0], sizeof(nfgenmsg)));
    CHECK(mnl_attr_get_type(genid) == NFNL_BATCH_GENID);
    CHECK(ntohl(mnl_attr_get_u32(genid)) == 0x01020304u);
    CHECK(nft_type(messages[1]) == NFT_MSG_NEWTABLE);
    CHECK(nft_type(messages[2]) == NFT_MSG_DELTABLE);
    for (int i = 1; i <= 2; ++i)
        CHECK((messages[static_cast<std::size_t>(i)]->nlmsg_flags & NLM_F_ACK) != 0);
    CHECK(messages[3]->nlmsg_type == NFNL_MSG_BATCH_END);
    for (std::size_t i = 1; i < messages.size(); ++i)
        CHECK(messages[i]->nlmsg_seq == messages[i - 1]->nlmsg_seq + 1);
    CHECK(batch.acked_messages() == 2);
}

TEST_CASE("batch: a full page moves the next message to a new page, and nothing is cut off") {
    // 6000 elements with long comments: several element messages, several pages.
    ir::Table table;
    table.origins.push_back({"rules.toml", 0, 0});
    ir::Set set{"big", {ir::Type::ipv4_addr, ir::Type::inet_service}, false, false, true, {}, 0};
    const std::string comment(100, 'x'); // the elements view it
    for (std::uint32_t i = 0; i < 6000; ++i) {
        table.origins.push_back({"rules.toml", i + 10, 1});
        const IpAddress a =
            IpAddress::v4(10, static_cast<std::uint8_t>(i >> 16), static_cast<std::uint8_t>(i >> 8),
                          static_cast<std::uint8_t>(i));
        set.elements.push_back(
            {{ir::interval_of(Cidr::host(a)), ir::interval_of(PortRange{443, 443})},
             comment,
             {},
             i + 1});
    }
    table.sets.push_back(set);
    Batch batch{0, Batch::kMaxMessage}; // the smallest page allowed
    encode_replace(table, batch);
    batch.end();
    CHECK(batch.pages() > 5);
    for (const auto& iov : batch.iovecs()) CHECK(iov.iov_len <= Batch::kMaxMessage);
    const ir::Table decoded = decode_batch(joined(batch), table);
    REQUIRE(decoded.sets.size() == 1);
    CHECK(decoded.sets[0].elements.size() == 6000);
    CHECK(to_nft_text(decoded) == to_nft_text(table));
}

TEST_CASE("batch: a page of the default size is one huge page, allocated before it is written") {
    Batch batch{0};
    const auto iovecs = batch.iovecs();
    REQUIRE(iovecs.size() == 1);
    const auto start = reinterpret_cast<std::uintptr_t>(iovecs[0].iov_base);
    CHECK(start % kHugePageBytes == 0);
    // Only BEGIN is written yet; every 4 KiB page of the buffer is there all
    // the same, where writing would otherwise fault them in one by one.
    constexpr std::size_t kPage = 4096;
    std::vector<unsigned char> resident(kHugePageBytes / kPage);
    REQUIRE(::mincore(iovecs[0].iov_base, kHugePageBytes, resident.data()) == 0);
    std::size_t count = 0;
    for (const unsigned char page : resident) count += page & 1;
    CHECK(count == resident.size());
}

TEST_CASE("batch: a kernel error at an element's offset names that element's row") {
    ir::Table table;
    table.origins = {{"rules.toml", 0, 0}, {"rules.toml", 12, 1}, {"rules.toml", 20, 1}};
    ir::Set set{
        "forward_1", {ir::Type::ipv4_addr, ir::Type::inet_service}, false, false, true, {}, 1};
    for (ir::OriginId origin : {1u, 2u})
        set.elements.push_back(
            {{ir::interval_of(*Cidr::parse(origin == 1 ? "10.0.0.1" : "10.0.0.2")),
              ir::interval_of(PortRange{80, 80})},
             "c",
             {},
             origin});
    table.sets.push_back(set);
    Batch batch{0};
    encode_replace(table, batch);
    const std::string bytes = joined(batch);
    const nlmsghdr* elements = nullptr;
    for (const nlmsghdr* nlh : messages_of(bytes))
        if (nlh->nlmsg_type >> 8 == NFNL_SUBSYS_NFTABLES && nft_type(nlh) == NFT_MSG_NEWSETELEM)
            elements = nlh;
    REQUIRE(elements);
    const MessageOrigin* origin = batch.origin_of(elements->nlmsg_seq);
    REQUIRE(origin);
    REQUIRE(origin->parts.size() == 2);
    const KernelError second{elements->nlmsg_seq, EEXIST, origin->parts[1].first, {}};
    CHECK(describe(second, batch) ==
          "rules.toml:20:1: the kernel refused elements of set forward_1: File exists");
    const KernelError whole{elements->nlmsg_seq, EINVAL, 0, "a message"};
    CHECK(describe(whole, batch) == "rules.toml:12:1: the kernel refused elements of set "
                                    "forward_1: Invalid argument (a message)");
}

TEST_CASE("encode: a concatenated key pads each field to 32 bits with zeros, a plain one not") {
    // The kernel compares whole registers: padding that is not zero would
    // make an element no packet's key can equal.
    ir::Set set;
    set.key = {ir::Type::ipv4_addr, ir::Type::inet_proto, ir::Type::inet_service};
    set.interval = true;
    const ir::Element element{{ir::interval_of(*Cidr::parse("10.0.0.0/24")),
                               ir::interval_of_byte(6), ir::interval_of(PortRange{80, 8080})},
                              "",
                              {},
                              ir::kNoOrigin};
    CHECK(key_bytes(set, element, false) == std::string("\x0a\x00\x00\x00"
                                                        "\x06\x00\x00\x00"
                                                        "\x00\x50\x00\x00",
                                                        12));
    CHECK(key_bytes(set, element, true) == std::string("\x0a\x00\x00\xff"
                                                       "\x06\x00\x00\x00"
                                                       "\x1f\x90\x00\x00",
                                                       12));
    set.key = {ir::Type::ipv4_addr};
    const ir::Element single{{ir::interval_of(*Cidr::parse("10.0.0.7/32"))}, "", {}, ir::kNoOrigin};
    CHECK(key_bytes(set, single, false) == std::string("\x0a\x00\x00\x07", 4));
    KeyBuffer buffer;
    buffer.fill('x');
    CHECK(write_key(set, single, false, buffer) == 4);
}

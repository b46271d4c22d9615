// SPDX-License-Identifier: GPL-3.0-or-later
// Authoritative lookup (RFC 1034 §4.3.2, RFC 4592 wildcards, RFC 2308
// negative answers): decides which RRsets go into which section. It writes
// no bytes; response.cpp turns the plan into a message.
#pragma once

#include "dnsd/wire/name.hpp"
#include "dnsd/zone/zone.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace phx::dns {

// A fixed-capacity list: the per-query path never allocates. Entries past
// the capacity are dropped, which only ever shortens an optional section.
template <typename T, std::size_t N>
class FixedList {
public:
    bool push(const T& v) noexcept {
        if (size_ == N) return false;
        items_[size_++] = v;
        return true;
    }
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    [[nodiscard]] const T* begin() const noexcept { return items_.data(); }
    [[nodiscard]] const T* end() const noexcept { return items_.data() + size_; }

private:
    std::array<T, N> items_; // not value-initialised: a plan lives on the stack of every query
    std::size_t size_ = 0;
};

// One RRset to write. The owner is either the question name (written as a
// pointer to it, so the answer keeps the query's case) or a wire name that
// lives in the zone.
// An aggregate without default member initialisers, so that the fixed
// lists holding it cost nothing until used.
struct PlannedRrset {
    const RrSet* rrset;
    std::string_view owner; // ignored when owner_is_qname
    bool owner_is_qname;
    std::uint32_t ttl;
    bool required; // if it does not fit: TC (else it is just left out)
};

struct Plan {
    Rcode rcode = Rcode::noerror;
    bool authoritative = true;
    FixedList<PlannedRrset, 32> answer;
    FixedList<PlannedRrset, 16> authority;
    FixedList<PlannedRrset, 32> additional;
};

// Answers qname_lower/qtype from `zone`, which must contain the name.
// `all_of_any`: answer QTYPE ANY with every RRset (TCP) rather than one
// (RFC 8482 over UDP).
void plan_answer(const Zone& zone, const wire::Name& qname_lower, RrType qtype, bool all_of_any,
                 Plan& plan) noexcept;

} // namespace phx::dns

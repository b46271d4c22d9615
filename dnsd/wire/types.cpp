// SPDX-License-Identifier: GPL-3.0-or-later
// Mnemonics for the record types a zone file commonly holds.
#include "dnsd/wire/types.hpp"

#include <fmt/format.h>

namespace phx::dns {

std::string type_name(RrType type) {
    switch (type) {
    case RrType::a:
        return "A";
    case RrType::ns:
        return "NS";
    case RrType::cname:
        return "CNAME";
    case RrType::soa:
        return "SOA";
    case RrType::ptr:
        return "PTR";
    case RrType::hinfo:
        return "HINFO";
    case RrType::mx:
        return "MX";
    case RrType::txt:
        return "TXT";
    case RrType::aaaa:
        return "AAAA";
    case RrType::srv:
        return "SRV";
    case RrType::dname:
        return "DNAME";
    case RrType::opt:
        return "OPT";
    case RrType::ds:
        return "DS";
    case RrType::rrsig:
        return "RRSIG";
    case RrType::nsec:
        return "NSEC";
    case RrType::nsec3:
        return "NSEC3";
    case RrType::tsig:
        return "TSIG";
    case RrType::ixfr:
        return "IXFR";
    case RrType::axfr:
        return "AXFR";
    case RrType::maila:
        return "MAILA";
    case RrType::mailb:
        return "MAILB";
    case RrType::any:
        return "ANY";
    }
    return fmt::format("TYPE{}", to_u16(type));
}

} // namespace phx::dns

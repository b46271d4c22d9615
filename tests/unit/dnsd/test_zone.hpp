// SPDX-License-Identifier: GPL-3.0-or-later
// The test zone every answer-path test asks (tests/zones/phx.test.zone:
// CNAME chains, wildcards, a delegation, RRsets too large for 512 bytes),
// loaded once per test program.
#pragma once

#include "dnsd/zone/zone.hpp"

#include <memory>

namespace phx::test {

[[nodiscard]] std::shared_ptr<const dns::ZoneSet> shared_test_zones();
[[nodiscard]] inline const dns::ZoneSet& test_zones() {
    return *shared_test_zones();
}

} // namespace phx::test

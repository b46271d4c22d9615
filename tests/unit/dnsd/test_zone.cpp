// SPDX-License-Identifier: GPL-3.0-or-later
#include "unit/dnsd/test_zone.hpp"

#include "dnsd/zone/loader.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

namespace phx::test {

std::shared_ptr<const dns::ZoneSet> shared_test_zones() {
    static const std::shared_ptr<const dns::ZoneSet> set = [] {
        Diagnostics d;
        std::vector<dns::ZoneSource> sources{
            {std::string{PHX_SOURCE_DIR} + "/tests/zones/phx.test.zone", {}, {}}};
        auto loaded = dns::load_zone_set(sources, d);
        REQUIRE_MESSAGE(loaded, d.to_string());
        return loaded;
    }();
    return set;
}

} // namespace phx::test

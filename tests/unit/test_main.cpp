// SPDX-License-Identifier: GPL-3.0-or-later
// The doctest runner shared by every unit-test executable.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

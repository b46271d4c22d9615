// SPDX-License-Identifier: GPL-3.0-or-later
// Skipping the teardown of a command's big data structures.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace phx::fw::cli {

// Moves `value` where it is never destroyed. The rules and the table of a
// large policy are hundreds of thousands of small allocations; freeing them
// one by one just before the process exits costs milliseconds (4-5 ms of a
// 10k-row apply, ~12 ms at 50k) for memory the kernel takes back anyway.
// Compilers do the same (clang's -disable-free). The objects stay reachable
// through a static pointer, so leak checkers do not report them.
template <typename T>
void keep_until_exit(T&& value) {
    using Kept = std::remove_cvref_t<T>;
    static auto* const kept = new std::vector<std::unique_ptr<Kept>>(); // never deleted
    kept->push_back(std::make_unique<Kept>(std::forward<T>(value)));
}

} // namespace phx::fw::cli

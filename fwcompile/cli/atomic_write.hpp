// SPDX-License-Identifier: GPL-3.0-or-later
// Replacing a file so that its readers (node_exporter reading metrics) see the
// old contents or the new, never a part: write a temporary file in the same
// directory, flush it to disk, then rename(2) it over the target.
#pragma once

#include <string>
#include <sys/types.h>

namespace phx::fw::cli {

// Throws std::system_error naming the step that failed; the target is then
// untouched and no temporary file is left behind.
void write_atomically(const std::string& path, const std::string& text, mode_t mode);

} // namespace phx::fw::cli

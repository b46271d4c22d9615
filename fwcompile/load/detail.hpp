// SPDX-License-Identifier: GPL-3.0-or-later
// Pieces shared by the two halves of the loader (inventory and rows); not
// part of the compiler's interface.
#pragma once

#include "common/config/section.hpp"
#include "fwcompile/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace phx::fw::detail {

// The rules file is read with the TOML layer both programs share.
using config::Document;
using config::Node;
using config::NodeKind;
using config::Scalar;
using config::Section;
using config::SplitDocument;

// A key whose value may be a string, an integer, or an array of those: its
// items (one for a single value), every one checked to be a string or an
// integer (Section::scalar reads them). Reports an empty list or the first
// item of another type, and returns nullopt then. Not written: no items,
// and the caller's default applies.
[[nodiscard]] std::optional<std::span<const Node>> scalar_list(const Section& section,
                                                               std::string_view key);

// The same for a key that takes exactly one string or integer.
[[nodiscard]] std::optional<Scalar> scalar(const Section& section, std::string_view key,
                                           bool required);

// Lower-case copy, for keywords written in any case ("IN", "Accept").
[[nodiscard]] std::string lowercase(std::string_view text);
// Whether `text` is `word` (written in lower case) in any case.
[[nodiscard]] bool is_word(std::string_view text, std::string_view word);

// A source or destination list: "any" (nothing added), or addresses,
// CIDRs and host references; false after reporting a bad entry.
bool read_address_list(const Section& section, std::string_view key, const Inventory& inventory,
                       AddressList& out);

// Reads [management] (its defaults when it is not written); false when
// anything was wrong.
bool load_management(const Section& top, const Inventory& inventory, Management& management);

// Reads [logging] (its defaults when it is not written); false when
// anything was wrong.
bool load_logging(const Section& top, Logging& logging);

// The rows [management] opens: one per service, all in the hypervisor's
// input, ahead of the file's rows.
void management_rows(const Management& management, PlaceVector<Row>& rows, TextArena& texts);

// Reads every [[rule]] into a row and applies its scope (scope.hpp). Errors
// are reported, and leave their rows as far as they got: the caller drops
// the whole rule set. Past some 20,000 rows two threads share the work.
void load_rows(const Section& top, const Inventory& inventory, PlaceVector<Row>& rows,
               TextArena& texts);

// The [[rule]] tables a split document's pieces hold (Document::load_split)
// are read piece by piece as their rows are loaded. False when a piece is
// not plain TOML: the rows are then not all loaded, nothing was reported
// about them, and the file must be loaded again whole.
inline constexpr std::string_view kRuleArray = "rule";
inline constexpr std::size_t kRowsPerPiece = 256;
[[nodiscard]] bool load_rows(const Section& top, SplitDocument& split, const Inventory& inventory,
                             PlaceVector<Row>& rows, TextArena& texts);

// " (did you mean 'nginx'?)" among the hosts' names and ids, or "".
[[nodiscard]] std::string host_suggestion(std::string_view text, const Inventory& inventory);

} // namespace phx::fw::detail

// SPDX-License-Identifier: GPL-3.0-or-later
// Pieces shared by the two halves of the loader (inventory and rows); not
// part of the compiler's interface.
#pragma once

#include "common/config/section.hpp"
#include "fwcompile/model.hpp"

#include <cstdint>
#include <memory>
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
                       AddressList& out, TextArena& texts);

// Reads [management] (its defaults when it is not written); false when
// anything was wrong.
bool load_management(const Section& top, const Inventory& inventory, Management& management,
                     TextArena& texts);

// Reads [logging] (its defaults when it is not written); false when
// anything was wrong.
bool load_logging(const Section& top, Logging& logging);

// The rows [management] opens: one per service, all in the hypervisor's
// input, ahead of the file's rows.
void management_rows(const Management& management, PlaceVector<Row>& rows, TextArena& texts);

// Reads every [[rule]] into a row and applies its scope (scope.hpp). Errors
// are reported, and leave their rows as far as they got: the caller drops
// the whole rule set. Past some 20,000 rows two threads share the work.
// `host_names` as apply_scope() takes them.
void load_rows(const Section& top, const Inventory& inventory, std::span<const TextView> host_names,
               PlaceVector<Row>& rows, TextArena& texts);

// The second loader thread for a file large enough to hold enough rows
// for two threads (load_rows), started before the file is read: a thread
// takes 1.5-2.3 ms to start on this project's VM. Once rows_counted() says
// how many rows the split document has (Document::load_split), it maps
// their memory (18 MiB at 50,000 rows, which the caller would otherwise
// populate before either thread loads a row) and reserves its own heap,
// while the caller reads the head and the inventory. Null for a smaller
// file, or without a thread to be had; dropped, it is let go.
class RowsAhead;
struct StopRowsAhead {
    void operator()(RowsAhead* ahead) const noexcept;
};
using RowsAheadPtr = std::unique_ptr<RowsAhead, StopRowsAhead>;
[[nodiscard]] RowsAheadPtr start_rows_ahead(std::uintmax_t file_bytes);
// Tells it the split document's rows, and returns it for load_rows; null
// when they are too few for two threads (the thread then ends by itself,
// not waited for until `ahead` is dropped).
[[nodiscard]] RowsAhead* rows_counted(const RowsAheadPtr& ahead, const SplitDocument& split);
// The rows' memory it mapped, once it is (it waits): no rows yet, room for
// the file's and for [management]'s, which come first.
[[nodiscard]] PlaceVector<Row> take_rows(RowsAhead& ahead);
inline constexpr std::size_t kManagementRowsRoom = 16;
// A [[rule]] takes at least this much of a file as anyone writes it (the
// generated ones: 170-180 bytes): a smaller file cannot hold enough rows
// for two threads, and a larger one may.
inline constexpr std::size_t kFewestBytesPerRow = 120;

// The [[rule]] tables a split document's pieces hold are read piece by
// piece as their rows are loaded, with `ahead`'s thread when there is one.
// False when a piece is not plain TOML: the rows are then not all loaded,
// nothing was reported about them, and the file must be loaded again whole.
inline constexpr std::string_view kRuleArray = "rule";
inline constexpr std::size_t kRowsPerPiece = 256;
[[nodiscard]] bool load_rows(const Section& top, SplitDocument& split, RowsAhead* ahead,
                             const Inventory& inventory, std::span<const TextView> host_names,
                             PlaceVector<Row>& rows, TextArena& texts);

// " (did you mean 'nginx'?)" among the hosts' names and ids, or "".
[[nodiscard]] std::string host_suggestion(std::string_view text, const Inventory& inventory);

} // namespace phx::fw::detail

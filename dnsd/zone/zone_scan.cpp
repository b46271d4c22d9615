// SPDX-License-Identifier: GPL-3.0-or-later
// Drives libzscanner. The scanner context is large (it holds a 64 KiB rdata
// buffer), so it lives on the heap, owned by a unique_ptr that deinits it.
#include "dnsd/zone/zone_scan.hpp"

extern "C" { // libzscanner's headers declare C functions without extern "C"
#include <libzscanner/scanner.h>
}

#include "common/file_text.hpp"
#include "dnsd/wire/name.hpp"
#include "dnsd/zone/zone_build.hpp"

#include <fmt/format.h>
#include <filesystem>
#include <algorithm>
#include <memory>
#include <optional>
#include <sys/mman.h>
#include <vector>

namespace phx::dns {
namespace {

constexpr std::uint32_t kDefaultTtl = 3600;
constexpr std::size_t kMaxErrorsPerFile = 100;

// libzscanner maps a zone file whole and reads it once, front to back; the
// pages it has read would stay in this process until the end, beside the
// zone being built from them (30 MiB for a million records). They are
// dropped from the mapping as the parser passes them (they stay in the
// page cache; the parser keeps no pointer into them, and a page read again
// would only be faulted back in). The record callback cannot see the
// parser's position, only its line: the lines are counted ahead, a step at
// a time, to know which line each step ends on.
class PassedPages {
public:
    explicit PassedPages(const zs_scanner_t* s) {
        if (!s->input.mmaped || s->input.end <= s->input.start) return;
        top_ = s;
        start_ = s->input.start;
        const auto size = static_cast<std::size_t>(s->input.end - s->input.start);
        std::uint64_t lines = 1;
        for (std::size_t at = 0; at < size; at += kStep) {
            const char* from = start_ + at;
            const std::size_t n = std::min(kStep, size - at);
            lines += static_cast<std::uint64_t>(std::count(from, from + n, '\n'));
            last_line_.push_back(lines);
            drop(at, n); // counting must not map the whole file in either
        }
    }

    // The parser of `s` has reached `line`: a step it has passed, with a
    // whole step between it and the parser, is dropped.
    void at_line(const zs_scanner_t* s, std::uint64_t line) {
        if (s != top_) return; // an $INCLUDEd file: its own mapping
        while (dropped_ + 1 < last_line_.size() && line > last_line_[dropped_ + 1]) {
            drop(dropped_ * kStep, kStep);
            ++dropped_;
        }
    }

private:
    static constexpr std::size_t kStep = std::size_t{4} << 20; // a multiple of any page size

    void drop(std::size_t at, std::size_t bytes) const {
        // Advice only: if it fails the pages just stay until the end.
        (void)::madvise(const_cast<char*>(start_ + at), bytes, MADV_DONTNEED);
    }

    const zs_scanner_t* top_ = nullptr;
    const char* start_ = nullptr;
    std::vector<std::uint64_t> last_line_; // the line each step ends in
    std::size_t dropped_ = 0;
};

struct ScanState {
    std::string file_label;
    RecordSink* into = nullptr;
    Diagnostics* diag = nullptr;
    PassedPages* pages = nullptr;
    std::size_t errors = 0;
    // The file being read changes only at $INCLUDE: intern its name once.
    std::string last_name;
    FileName last_file;
};

std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// With $INCLUDE the scanner reports from the included file, so name the
// file it is reading; text input has no file name.
std::string file_of(const zs_scanner_t* s, const ScanState& state) {
    if (s->file.name != nullptr && s->file.name[0] != '\0') return s->file.name;
    return state.file_label;
}

const FileName& current_file(const zs_scanner_t* s, ScanState& state) {
    const std::string_view name = s->file.name != nullptr && s->file.name[0] != '\0'
                                      ? std::string_view{s->file.name}
                                      : std::string_view{state.file_label};
    if (state.last_file.empty() || name != state.last_name) {
        state.last_name = name;
        state.last_file = FileName{name};
    }
    return state.last_file;
}

void on_record(zs_scanner_t* s) {
    auto& state = *static_cast<ScanState*>(s->process.data);
    if (state.pages) state.pages->at_line(s, s->line_counter);
    state.into->add(RecordRef{as_view(s->r_owner, s->r_owner_length), RrType{s->r_type},
                              s->r_class, s->r_ttl, as_view(s->r_data, s->r_data_length),
                              SourcePos{current_file(s, state),
                                        static_cast<std::uint32_t>(s->line_counter), 0}});
}

bool is_file_error(int code) {
    return code == ZS_FILE_OPEN || code == ZS_FILE_INVALID || code == ZS_FILE_ACCESS;
}

// libzscanner says "file open error" for an $INCLUDE it cannot read; the
// admin needs to know which file, and why.
std::string error_text(const zs_scanner_t* s) {
    const std::string_view included{s->include_filename};
    if (!is_file_error(s->error.code) || included.empty()) return zs_strerror(s->error.code);
    std::string why = file_problem(std::string{included});
    if (why.empty()) why = zs_strerror(s->error.code);
    return fmt::format("cannot read $INCLUDE file {}: {}", included, why);
}

void on_error(zs_scanner_t* s) {
    auto& state = *static_cast<ScanState*>(s->process.data);
    state.diag->error({file_of(s, state), static_cast<std::uint32_t>(s->line_counter), 0},
                      error_text(s));
    if (++state.errors >= kMaxErrorsPerFile) s->state = ZS_STATE_STOP;
}

struct ScannerDeleter {
    void operator()(zs_scanner_t* s) const {
        zs_deinit(s);
        delete s;
    }
};

} // namespace

bool scan_zone(std::string_view input, bool input_is_file, const std::string& origin_text,
               const std::string& file_label, RecordSink& into, Diagnostics& diag) {
    ScanState state{file_label, &into, &diag, nullptr, 0, {}, {}};
    std::unique_ptr<zs_scanner_t, ScannerDeleter> scanner{new zs_scanner_t{}};
    if (zs_init(scanner.get(), origin_text.c_str(), to_u16(RrClass::in), kDefaultTtl) != 0) {
        diag.error({file_label}, fmt::format("cannot use origin '{}': {}", origin_text,
                                             zs_strerror(scanner->error.code)));
        return false;
    }
    const std::string input_copy{input};
    std::error_code size_error;
    const std::uintmax_t bytes =
        input_is_file ? std::filesystem::file_size(input_copy, size_error) : input_copy.size();
    if (!size_error) into.expect_file_bytes(bytes);
    const int set = input_is_file
                        ? zs_set_input_file(scanner.get(), input_copy.c_str())
                        : zs_set_input_string(scanner.get(), input_copy.data(), input_copy.size());
    if (set != 0) {
        diag.error({file_label},
                   fmt::format("cannot read zone file: {}", zs_strerror(scanner->error.code)));
        return false;
    }
    std::optional<PassedPages> pages;
    if (input_is_file) state.pages = &pages.emplace(scanner.get());
    if (zs_set_processing(scanner.get(), on_record, on_error, &state) != 0 ||
        zs_parse_all(scanner.get()) != 0) {
        if (state.errors == 0)
            diag.error({file_label, static_cast<std::uint32_t>(scanner->line_counter), 0},
                       zs_strerror(scanner->error.code));
        return false;
    }
    return state.errors == 0;
}

} // namespace phx::dns

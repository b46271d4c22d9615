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
#include <memory>

namespace phx::dns {
namespace {

constexpr std::uint32_t kDefaultTtl = 3600;
constexpr std::size_t kMaxErrorsPerFile = 100;

struct ScanState {
    std::string file_label;
    ZoneBuilder* into = nullptr;
    Diagnostics* diag = nullptr;
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
               const std::string& file_label, ZoneBuilder& into, Diagnostics& diag) {
    ScanState state{file_label, &into, &diag, 0, {}, {}};
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
